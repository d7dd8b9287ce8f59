"""Forms of the records blueprint: document filters and upload, disposal, instruments, calibrations and custody."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.blueprints.compliance.forms import local_moment, moment_field
from app.models.record import DOCUMENT_KINDS, INSTRUMENT_KINDS
from app.services.calibration import CLOCK_GRACE, CalibrationRecord, InstrumentSpec
from app.services.custody import TransferRecord
from app.services.documents import DocumentUpload
from app.services.record_views import DocumentFilter, DocumentLinks

BAD_DATE = "Enter a date such as 2026-03-13."


def words(name: str) -> str:
    return name.replace("_", " ")


def _text(value: Any) -> str:
    return (value or "").strip() if isinstance(value, str) else ""


class ServiceMessages:
    """Put a service message ("title: say what ...") under the field it names, else above the form."""

    # The service's name for a field -> the form's field name, where they differ.
    FIELD_ALIASES: dict[str, str] = {}

    def attach_error(self, message: str) -> None:
        name = message.split(":", 1)[0].strip()
        name = self.FIELD_ALIASES.get(name, name.replace(" ", "_"))
        field = self._fields.get(name) if name != "csrf_token" else None
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            self.form_errors.append(message)


def permit_choices(permits: list[str], empty: str) -> list[SelectChoice]:
    return [SelectChoice("", empty)] + [SelectChoice(p) for p in permits]


# ---- documents --------------------------------------------------------------------------------------------

class DocumentFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    kind = SelectField("Kind", choices=[], validate_choice=False, validators=[Optional()])
    permit = SelectField("Permit", choices=[], validate_choice=False, validators=[Optional()])
    outfall = SelectField("Outfall", choices=[], validate_choice=False, validators=[Optional()])
    since = DateField("Dated from", validators=[Optional()], invalid_value_message=BAD_DATE)
    until = DateField("Dated to", validators=[Optional()], invalid_value_message=BAD_DATE)

    def offer(self, kinds: tuple[str, ...], permits: list[str], outfalls: list[str]) -> None:
        self.kind.choices = [SelectChoice("", "any")] + [SelectChoice(k, words(k)) for k in kinds]
        self.permit.choices = permit_choices(permits, "any")
        self.outfall.choices = [SelectChoice("", "any")] + [SelectChoice(o) for o in outfalls]

    def filters(self) -> DocumentFilter:
        return DocumentFilter(kind=self.kind.data or None, permit=self.permit.data or None,
                              outfall=self.outfall.data or None,
                              since=None if self.since.errors else self.since.data,
                              until=None if self.until.errors else self.until.data)


class DocumentUploadForm(ServiceMessages, FlaskForm):
    FIELD_ALIASES = {"sample code": "sample_code", "obligation id": "obligation_id"}

    file = FileField("File", validators=[FileRequired("Choose the file to store.")],
                     description="PDF, PNG, JPEG, TIFF, XLSX, DOCX, CSV or plain text; judged by its content.")
    kind = SelectField("Kind", choices=[SelectChoice(k, words(k)) for k in DOCUMENT_KINDS], default="lab_report")
    title = StringField("Title", validators=[DataRequired("Say what the document is."), Length(max=300)])
    document_date = DateField("Document date", validators=[InputRequired("Enter the date on the document.")],
                              invalid_value_message=BAD_DATE,
                              description="The date on the document; it is kept at least 3 years from it (SCHED-05).")
    permit = SelectField("Permit (optional)", choices=[], default="")
    outfall = StringField("Outfall (optional)", validators=[Optional(), Length(max=4)])
    sample_code = StringField("Sample id (optional)", validators=[Optional(), Length(max=80)])
    obligation_id = IntegerField("Notification obligation no. (optional)", validators=[Optional()],
                                 render_kw={"inputmode": "numeric"})

    def offer(self, permits: list[str]) -> None:
        self.permit.choices = permit_choices(permits, "none")

    def links(self) -> tuple[str | None, str | None, str | None, int | None]:
        return (self.permit.data or None, _text(self.outfall.data) or None, _text(self.sample_code.data) or None,
                self.obligation_id.data)

    def upload(self, links: DocumentLinks) -> DocumentUpload:
        storage = self.file.data
        return DocumentUpload(data=storage.read(), filename=storage.filename or "", kind=self.kind.data,
                              title=_text(self.title.data), document_date=self.document_date.data,
                              permit_number=links.permit_number, outfall=links.outfall,
                              sample_pk=links.sample_pk, obligation_id=links.obligation_id)


class DisposeForm(FlaskForm):
    reason = TextAreaField("Reason for disposal", validators=[DataRequired("Say why it is disposed of."),
                                                              Length(max=2000)])


# ---- instruments and calibration --------------------------------------------------------------------------

class InstrumentForm(ServiceMessages, FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the instrument a name."), Length(max=120)],
                       description="As people on site call it, e.g. \"Outfall 001 flow meter\".")
    kind = SelectField("Kind", choices=[SelectChoice(k, words(k)) for k in INSTRUMENT_KINDS])
    serial_number = StringField("Serial number (optional)", validators=[Optional(), Length(max=80)])
    permit = SelectField("Permit", choices=[], default="",
                         description="Needed to report a monitoring-equipment failure from its page.")
    outfall = StringField("Outfall (optional)", validators=[Optional(), Length(max=4)])
    calibration_interval_days = IntegerField(
        "Calibration interval (days)", validators=[InputRequired("Enter how often it is calibrated, in days."),
                                                   NumberRange(min=1, max=3660, message="Between 1 and 3660 days.")],
        render_kw={"inputmode": "numeric"})

    def offer(self, permits: list[str]) -> None:
        self.permit.choices = permit_choices(permits, "none")

    def spec(self) -> InstrumentSpec:
        return InstrumentSpec(name=_text(self.name.data), kind=self.kind.data,
                              calibration_interval_days=self.calibration_interval_days.data,
                              serial_number=_text(self.serial_number.data) or None,
                              permit_number=self.permit.data or None, outfall=_text(self.outfall.data) or None)


class CalibrationForm(ServiceMessages, FlaskForm):
    FIELD_ALIASES = {"passed": "outcome"}

    performed_at = moment_field("Performed at (facility time)", InputRequired("Enter when it was calibrated."))
    outcome = SelectField("Outcome", choices=[SelectChoice("passed", "passed"), SelectChoice("failed", "failed")],
                          default="passed")
    technician = StringField("Technician", validators=[DataRequired("Say who calibrated it."), Length(max=120)])
    standards = TextAreaField("Standards used", validators=[Optional(), Length(max=2000)],
                              description="e.g. pH 4.00 / 7.00 / 10.00 buffers, lot 2231, expires 2027-01")
    readings = TextAreaField("Readings", validators=[Optional(), Length(max=2000)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)])
    certificate = FileField("Certificate (optional)")

    def __init__(self, *args: Any, zone: ZoneInfo, now: datetime, **kwargs: Any) -> None:
        self.zone, self.now = zone, now
        super().__init__(*args, **kwargs)
        if self.performed_at.data is None and not self.performed_at.raw_data:
            self.performed_at.data = now.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)

    def validate_performed_at(self, field) -> None:
        if field.data is not None and local_moment(field.data, self.zone) > self.now + CLOCK_GRACE:
            raise ValidationError("Cannot be in the future.")

    def record(self, instrument_id: int) -> CalibrationRecord:
        storage = self.certificate.data
        data = storage.read() if storage and getattr(storage, "filename", None) else None
        return CalibrationRecord(instrument_id=instrument_id, performed_at=local_moment(self.performed_at.data,
                                                                                       self.zone),
                                 passed=self.outcome.data == "passed", technician=_text(self.technician.data),
                                 standards=_text(self.standards.data) or None,
                                 readings=_text(self.readings.data) or None, notes=_text(self.notes.data) or None,
                                 certificate_data=data or None,
                                 certificate_name=storage.filename if data else None)


class ServiceForm(FlaskForm):
    """Take an instrument out of service, or put it back; `in_service` says which, so a double post is refused."""

    in_service = HiddenField(validators=[DataRequired()])
    reason = TextAreaField("Why", validators=[DataRequired("Say why."), Length(max=2000)])


class ReportFailureForm(FlaskForm):
    """One click: the failure is named by its calibration (empty for a flow meter out of service)."""

    calibration_id = HiddenField()

    def calibration(self) -> int | None:
        return int(self.calibration_id.data) if (self.calibration_id.data or "").isdigit() else None


# ---- chain of custody -------------------------------------------------------------------------------------

class CustodyForm(ServiceMessages, FlaskForm):
    relinquished_by = StringField("Relinquished by", validators=[DataRequired("Enter who handed the sample over."),
                                                                 Length(max=120)])
    relinquished_at = moment_field("Relinquished at (facility time)", InputRequired("Enter when it was handed over."))
    received_by = StringField("Received by", validators=[DataRequired("Enter who received the sample."),
                                                         Length(max=120)])
    received_at = moment_field("Received at (facility time)", InputRequired("Enter when it was received."))
    notes = TextAreaField("Notes (seals, temperature on receipt, ...)", validators=[Optional(), Length(max=2000)])

    def __init__(self, *args: Any, zone: ZoneInfo, **kwargs: Any) -> None:
        self.zone = zone
        super().__init__(*args, **kwargs)

    def transfer(self, sample_pk: int) -> TransferRecord:
        return TransferRecord(sample_pk=sample_pk, relinquished_by=_text(self.relinquished_by.data),
                              relinquished_at=local_moment(self.relinquished_at.data, self.zone),
                              received_by=_text(self.received_by.data),
                              received_at=local_moment(self.received_at.data, self.zone, later=True),
                              notes=_text(self.notes.data) or None)
