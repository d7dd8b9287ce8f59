"""Forms of the results blueprint: filters, one sample's entry grid, a correction, and a results file upload."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import (BooleanField, DateField, FieldList, Form, FormField, HiddenField, SelectField, StringField,
                     SubmitField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from app.blueprints.compliance.forms import local_moment, moment_field
from app.domain.result_fields import SAMPLE_TYPES
from app.services.result_views import ResultFilter

UPLOAD_LIMIT = 20 * 1024 * 1024
QUALIFIERS = (SelectChoice("", "= detected"), SelectChoice("<", "< not detected"),
              SelectChoice(">", "> greater than"), SelectChoice("J", "J estimated"))
SAMPLE_TYPE_CHOICES = (SelectChoice("", "not recorded"), *(SelectChoice(t) for t in SAMPLE_TYPES))
# A phone's "now" typed to the minute may run a little ahead of the server's clock.
CLOCK_GRACE = timedelta(minutes=5)


class ResultFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    permit = SelectField("Permit", choices=[], validate_choice=False, validators=[Optional()])
    outfall = SelectField("Outfall", choices=[], validate_choice=False, validators=[Optional()])
    parameter = SelectField("Parameter", choices=[], validate_choice=False, validators=[Optional()])
    since = DateField("Sampled from", validators=[Optional()])
    until = DateField("Sampled to", validators=[Optional()])

    def offer(self, permits: list[str], outfalls: list[str], parameters: list[tuple[str, str]]) -> None:
        self.permit.choices = [SelectChoice("", "any")] + [SelectChoice(p) for p in permits]
        self.outfall.choices = [SelectChoice("", "any")] + [SelectChoice(o) for o in outfalls]
        self.parameter.choices = [SelectChoice("", "any")] + [SelectChoice(c, f"{c} {n}".strip())
                                                              for c, n in parameters]

    def filters(self) -> ResultFilter:
        return ResultFilter(permit=self.permit.data or None, outfall=self.outfall.data or None,
                            parameter_code=self.parameter.data or None,
                            since=None if self.since.errors else self.since.data,
                            until=None if self.until.errors else self.until.data)


def _text(value: Any) -> str:
    return (value or "").strip() if isinstance(value, str) else ""


def _wall(moment: datetime | None) -> str:
    # No offset: CONTRACTS.md section 4 reads it as the facility's local time, which is what was typed.
    return moment.isoformat(timespec="minutes") if moment else ""


class EntryRowForm(Form):
    """One parameter of the grid; the hidden code and location say which (the engine checks them)."""

    parameter_code = HiddenField()
    monitoring_location = HiddenField()
    value = StringField("Value", validators=[Optional(), Length(max=40)])
    qualifier = SelectField("Qualifier", choices=list(QUALIFIERS), default="")
    unit = StringField("Unit", validators=[Optional(), Length(max=20)])
    rl = StringField("RL", validators=[Optional(), Length(max=40)])


class EntryForm(FlaskForm):
    """One sample at one outfall: the shared sample fields and a row per monitored parameter."""

    SHARED = ("sample_id", "sample_type", "chain_of_custody", "lab", "analyst", "collector", "field_notes")
    MOMENTS = ("sampled_at", "analyzed_at", "received_at", "composite_start", "composite_end")
    ROW = ("value", "qualifier", "unit", "rl")

    sample_id = StringField("Sample id", validators=[DataRequired("Enter the sample id."), Length(max=80)])
    sampled_at = moment_field("Sampled at (facility time)", InputRequired("Enter when the sample was taken."))
    sample_type = SelectField("Sample type", choices=list(SAMPLE_TYPE_CHOICES), default="")
    chain_of_custody = StringField("Chain of custody no.", validators=[Optional(), Length(max=80)])
    lab = StringField("Lab", validators=[Optional(), Length(max=120)])
    analyst = StringField("Analyst", validators=[Optional(), Length(max=120)])
    analyzed_at = moment_field("Analyzed at (facility time)", Optional())
    received_at = moment_field("Result received at (default: now)", Optional())
    collector = StringField("Collected by", validators=[Optional(), Length(max=120)])
    composite_start = moment_field("Compositing began", Optional())
    composite_end = moment_field("Compositing ended", Optional())
    field_notes = TextAreaField("Field notes", validators=[Optional(), Length(max=2000)])
    rows = FieldList(FormField(EntryRowForm))
    check = SubmitField("Check")
    save = SubmitField("Save")

    def __init__(self, *args: Any, zone: ZoneInfo, now: datetime, **kwargs: Any) -> None:
        self.zone, self.now = zone, now
        self.row_problems: dict[int, list[str]] = {}
        self.refused = False  # set by attach(): FieldList keeps the errors it found while validating only
        super().__init__(*args, **kwargs)

    def offer(self, sheet, trip=None) -> None:
        """A blank grid for the sheet, with each unit filled in from the limit and "now" as the sampling time.

        For a scheduled trip, the parameters due on it come first and its sample type is preset.
        """
        due = set(trip.parameter_codes) if trip else set()
        if trip and not self.sample_type.data:
            self.sample_type.data = trip.entry_sample_type
        for p in sorted(sheet.parameters, key=lambda p: p.code not in due):
            self.rows.append_entry({"parameter_code": p.code, "monitoring_location": p.monitoring_location,
                                    "unit": p.unit, "qualifier": ""})
        if self.sampled_at.data is None:
            self.sampled_at.data = self.now.astimezone(self.zone).replace(tzinfo=None, second=0, microsecond=0)

    def _not_future(self, field) -> None:
        if field.data is not None and local_moment(field.data, self.zone) > self.now + CLOCK_GRACE:
            raise ValidationError("Cannot be in the future.")

    validate_sampled_at = validate_analyzed_at = validate_received_at = _not_future
    validate_composite_start = validate_composite_end = _not_future

    def raw_rows(self, permit: str, outfall: str) -> list[tuple[int, dict[str, str]]]:
        """(grid index, CONTRACTS.md section 4 row) for every row with a value; empty rows are skipped."""
        shared = {"permit": permit, "outfall": outfall, **{n: _text(self[n].data) for n in self.SHARED},
                  **{n: _wall(self[n].data) for n in self.MOMENTS}}
        rows = []
        for index, entry in enumerate(self.rows.entries):
            row = entry.form
            if not _text(row.value.data):
                continue
            rows.append((index, {**shared, "parameter_code": _text(row.parameter_code.data),
                                 "monitoring_location": _text(row.monitoring_location.data),
                                 **{n: _text(row[n].data) for n in self.ROW}}))
        return rows

    def attach(self, index: int, field: str, message: str) -> None:
        """Put an engine message ("value: ...") under the row field, the shared field, or the row it names."""
        self.refused = True
        if field in self.ROW:
            target = self.rows.entries[index].form[field]
        elif field in self.SHARED + self.MOMENTS:
            target = self[field]
        else:
            self.row_problems.setdefault(index, []).append(message)
            return
        if message not in target.errors:
            target.errors = [*target.errors, message]

    def has_errors(self) -> bool:
        return bool(self.refused or self.errors)


def local_text(moment: datetime | None, zone: str) -> str:
    """An instant as the facility's wall clock for a text field; with its offset when the wall time is ambiguous."""
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(zone))
    text = local.replace(tzinfo=None).isoformat(timespec="minutes" if not (local.second or local.microsecond)
                                                else "auto")
    # In the autumn's repeated hour a wall time names two instants; the offset keeps a correction from moving it.
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        offset = local.strftime("%z")
        text += f"{offset[:3]}:{offset[3:]}"
    return text


class CorrectionForm(FlaskForm):
    """A new revision of one result; field names are CONTRACTS.md section 4's, so an engine error finds its field."""

    TEXTS = ("value", "unit", "mdl", "rl", "method", "lab", "analyst", "sampled_at", "analyzed_at",
             "received_at", "chain_of_custody", "notes", "correction_reason")

    value = StringField("Value", validators=[InputRequired("Enter the value."), Length(max=40)])
    qualifier = SelectField("Qualifier", choices=list(QUALIFIERS))
    unit = StringField("Unit", validators=[InputRequired("Enter the unit."), Length(max=20)])
    mdl = StringField("MDL", validators=[Optional(), Length(max=40)])
    rl = StringField("RL", validators=[Optional(), Length(max=40)])
    method = StringField("Method", validators=[Optional(), Length(max=80)])
    lab = StringField("Lab", validators=[Optional(), Length(max=120)])
    analyst = StringField("Analyst", validators=[Optional(), Length(max=120)])
    sampled_at = StringField("Sampled at (facility time)", validators=[InputRequired("Enter when it was sampled."),
                                                                       Length(max=40)],
                             description="ISO date or date-time, e.g. 2026-03-13T09:15")
    analyzed_at = StringField("Analyzed at (facility time)", validators=[Optional(), Length(max=40)])
    sample_type = SelectField("Sample type", choices=list(SAMPLE_TYPE_CHOICES))
    chain_of_custody = StringField("Chain of custody no.", validators=[Optional(), Length(max=80)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)])
    estimated = BooleanField("Estimated value")
    received_at = StringField("Corrected result received at (default: now)", validators=[Optional(), Length(max=40)])
    correction_reason = TextAreaField("Reason for the correction", validators=[
        DataRequired("Give the reason for the correction; it is kept with the revision."), Length(max=2000)])
    # The revision the user is correcting: a colleague's save in between is then a conflict, not overwritten.
    revision = HiddenField(validators=[Optional(), Regexp(r"^[0-9]{1,9}$")])
    submit = SubmitField("Save the correction")

    @classmethod
    def of(cls, detail) -> CorrectionForm:
        """The form filled with the revision in force, so only what the lab changed needs typing."""
        current, zone = detail.current, detail.timezone
        return cls(formdata=None, data={
            "value": current.value, "qualifier": "" if current.qualifier == "=" else current.qualifier,
            "unit": current.unit, "mdl": current.mdl or "", "rl": current.rl or "", "method": current.method or "",
            "lab": current.lab or "", "analyst": current.analyst or "",
            "sampled_at": local_text(current.sampled_at, zone) or current.sample_date.isoformat(),
            "analyzed_at": local_text(current.analyzed_at, zone), "sample_type": current.sample_type or "",
            "chain_of_custody": current.chain_of_custody or "", "notes": current.notes or "",
            "estimated": bool(current.estimated), "revision": str(detail.result.current_revision)})

    def expected_revision(self) -> int | None:
        """The revision the form was filled from; None from a form that predates the field."""
        return int(self.revision.data) if self.revision.data else None

    def raw(self, detail) -> dict[str, str]:
        result = detail.result
        return {"permit": detail.permit.number, "outfall": result.outfall, "parameter_code": result.parameter_code,
                "monitoring_location": result.monitoring_location, "sample_id": result.sample_id,
                "qualifier": self.qualifier.data or "", "sample_type": self.sample_type.data or "",
                "estimated": "true" if self.estimated.data else "false",
                **{n: _text(self[n].data) for n in self.TEXTS}}

    def attach(self, field: str, message: str) -> None:
        if field == "revision":
            # A hidden field shows no errors; the conflict is about the whole form.
            self.form_errors.append(message)
            return
        target = self._fields.get(field) or self.correction_reason
        target.errors = [*target.errors, message]


class ImportUploadForm(FlaskForm):
    file = FileField("Results file (.csv or .xlsx)", validators=[
        FileRequired("Choose a results file."),
        FileAllowed(["csv", "xlsx"], "Only .csv and .xlsx results files are accepted."),
        FileSize(UPLOAD_LIMIT, message="The file is larger than 20 MB; split it into smaller files."),
    ])
    submit = SubmitField("Preview")


class ImportConfirmForm(FlaskForm):
    # A random name the server chose; never a path (see uploads.py).
    token = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}\.(csv|xlsx)$")])
    filename = HiddenField(validators=[Optional(), Length(max=255)])  # shown to the user, never opened
    skip_invalid = BooleanField("Store the valid rows (skip the rejected ones)")
    submit = SubmitField("Import")
