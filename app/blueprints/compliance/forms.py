"""Forms of the compliance blueprint: the oral notice, the written report, and a new event."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import DateField, DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.domain.deadlines import end_of_local_day
from app.domain.obligations import EVENT_KINDS
from app.services.events import EventReport

# <input type="datetime-local"> sends "2026-03-13T09:15"; the first format is also how it is rendered.
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
BAD_MOMENT = "Enter a date and time such as 2026-03-13 09:15."
NOTICE_METHODS = (SelectChoice("phone", "phone"), SelectChoice("email", "e-mail"),
                  SelectChoice("online_form", "online form"), SelectChoice("in_person", "in person"))


def local_moment(wall: datetime, zone: ZoneInfo, *, later: bool = False) -> datetime:
    """A wall-clock time typed at the facility, as an aware instant in the facility's zone.

    In the autumn's repeated hour one wall time names two instants. Awareness takes the earlier one
    (its deadlines can only come sooner); a fulfilment takes the later one (never falsely on time).
    """
    return wall.replace(tzinfo=zone, fold=1 if later else 0)


def moment_field(label: str, *validators, **kwargs) -> DateTimeLocalField:
    return DateTimeLocalField(label, validators=list(validators), format=LOCAL_FORMATS,
                              invalid_value_message=BAD_MOMENT, **kwargs)


class FulfilmentForm(FlaskForm):
    """One part of one obligation; it knows the facility zone and the clock to judge "in the future"."""

    def __init__(self, *args: Any, zone: ZoneInfo, now: datetime, **kwargs: Any) -> None:
        self.zone, self.now = zone, now
        super().__init__(*args, **kwargs)


class NoticeForm(FulfilmentForm):
    """The initial part: the oral call (or notice) — when, to whom, how."""

    done_at = moment_field("When (facility time)", InputRequired("Enter when the notice was given."))
    to_whom = StringField("To whom", validators=[DataRequired("Enter who was told (name and agency)."),
                                                 Length(max=200)])
    method = SelectField("How", choices=list(NOTICE_METHODS), default="phone")
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)])

    def __init__(self, *args: Any, zone: ZoneInfo, now: datetime, **kwargs: Any) -> None:
        super().__init__(*args, zone=zone, now=now, **kwargs)
        if self.done_at.data is None and not self.done_at.raw_data:
            # Offer "now", to the minute: the usual case is recording a call just made.
            self.done_at.data = now.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)

    def validate_done_at(self, field) -> None:
        # None when the text did not parse; the field already says so.
        if field.data is not None and local_moment(field.data, self.zone, later=True) > self.now:
            raise ValidationError("The notice cannot have been given in the future.")

    def fulfilment(self) -> tuple[datetime, dict[str, Any]]:
        record = {"to_whom": self.to_whom.data.strip(), "method": self.method.data,
                  "notes": (self.notes.data or "").strip() or None}
        return local_moment(self.done_at.data, self.zone, later=True), record


class ReportForm(FulfilmentForm):
    """The follow-up part: the written report (or repeat sampling results) — when sent, which document."""

    sent_on = DateField("Date sent", validators=[InputRequired("Enter the date the report was sent.")],
                        invalid_value_message="Enter a date such as 2026-03-18.")
    document = StringField("Document reference or title",
                           validators=[DataRequired("Enter the document's reference or title."), Length(max=200)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)])

    def __init__(self, *args: Any, zone: ZoneInfo, now: datetime, **kwargs: Any) -> None:
        super().__init__(*args, zone=zone, now=now, **kwargs)
        if self.sent_on.data is None and not self.sent_on.raw_data:
            self.sent_on.data = now.astimezone(zone).date()

    def validate_sent_on(self, field) -> None:
        if field.data is not None and field.data > self.now.astimezone(self.zone).date():
            raise ValidationError("The report cannot have been sent in the future.")

    def fulfilment(self) -> tuple[datetime, dict[str, Any]]:
        # A date has no time of day: take the last second of it (the instant a "by the end of the day"
        # deadline is kept at), so a report is never judged on time that might have been late; but
        # never later than now, for a report sent today.
        done_at = min(end_of_local_day(self.sent_on.data, self.zone).due, self.now.astimezone(self.zone))
        record = {"sent_on": self.sent_on.data.isoformat(), "document": self.document.data.strip(),
                  "notes": (self.notes.data or "").strip() or None}
        return done_at, record


# "oral" alone reads oddly in "Record the oral"; every other kind reads well as it is.
KIND_WORDS = {"oral": "oral notice"}


def kind_label(kind: str) -> str:
    """An event kind, trigger or part kind in words: "monitoring_equipment_failure" → "monitoring equipment failure"."""
    return KIND_WORDS.get(kind, kind.replace("_", " "))


class EventForm(FlaskForm):
    """A non-sample event; field names are EventReport's, so a service error lands on its field."""

    permit = SelectField("Permit", choices=[])
    kind = SelectField("Kind of event", choices=[SelectChoice(k, kind_label(k)) for k in EVENT_KINDS])
    outfall = StringField("Outfall (optional)", validators=[Optional(), Length(max=4)],
                          description="The permitted feature, e.g. 001; leave empty for the whole facility.")
    discovered_at = moment_field("Discovered at (facility time)", InputRequired("Enter when it was discovered."))
    ended_at = moment_field("Ended at (facility time, optional)", Optional())
    planned_start = moment_field("Planned start (facility time)", Optional(),
                                 description="Needed for an anticipated bypass: its notice is due before it starts.")
    description = TextAreaField("What happened", validators=[Optional(), Length(max=4000)])

    def offer(self, permits) -> None:
        """Fill the permit list from the permits on file (PermitSummary rows)."""
        self.permit.choices = [SelectChoice(s.permit.number, f"{s.permit.number} ({s.permit.program}, "
                                                             f"{s.permit.facility.name})") for s in permits]

    def report(self, zone: ZoneInfo) -> EventReport:
        def moment(field) -> datetime | None:
            return local_moment(field.data, zone) if field.data else None

        return EventReport(permit=self.permit.data, kind=self.kind.data, discovered_at=moment(self.discovered_at),
                           outfall=(self.outfall.data or "").strip() or None, ended_at=moment(self.ended_at),
                           planned_start=moment(self.planned_start),
                           description=(self.description.data or "").strip() or None)

    def attach_error(self, message: str) -> None:
        """Put a service message ("planned_start: ...") under the field it names, else under the kind."""
        name = message.split(":", 1)[0]
        field = self._fields.get(name) if name in EventReport.__dataclass_fields__ else None
        (field or self.kind).errors.append(message)
