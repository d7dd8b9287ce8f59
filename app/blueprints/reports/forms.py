"""Forms of the reports blueprint: sign-off with flag acknowledgements, the submission record, a NODI declaration."""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from app.blueprints.compliance.forms import local_moment, moment_field
from app.blueprints.records.forms import ServiceMessages
from app.domain.nodi import NODI_CODES
from app.services.report_signoff import Signature
from app.services.report_views import CopyOfRecord


def ack_field_name(key: str) -> str:
    """A flag key ("RL_ABOVE_LIMIT|01042|C3") as a stable form field name."""
    return "ack-" + hashlib.sha256(key.encode()).hexdigest()[:16]


class SignOffForm(ServiceMessages, FlaskForm):
    """The signatory, the certification and (added per report by sign_off_form) one comment per review flag."""

    FIELD_ALIASES = {"certification": "certify"}

    fingerprint = HiddenField(validators=[DataRequired("Open the report again before signing it.")])
    signer_name = StringField("Name of the signatory", validators=[DataRequired("Enter the signatory's name."),
                                                                   Length(max=200)])
    signer_title = StringField("Title", validators=[DataRequired("Enter the signatory's title."), Length(max=200)],
                               description="A responsible officer or duly authorized representative (122.22(a)-(b)).")
    certify = BooleanField("I certify the statement above under penalty of law",
                           validators=[DataRequired("The signatory must certify the statement.")])

    def acknowledgements(self, keys: list[str]) -> dict[str, str]:
        return {key: (self[ack_field_name(key)].data or "").strip() for key in keys}

    def signature(self) -> Signature:
        return Signature((self.signer_name.data or "").strip(), (self.signer_title.data or "").strip(),
                         bool(self.certify.data))


def sign_off_form(flag_keys: list[str], **kwargs: Any) -> SignOffForm:
    """A SignOffForm with one required comment field per flag of this report."""
    fields = {ack_field_name(key): TextAreaField(key, validators=[
        DataRequired("Acknowledge this flag with a comment."), Length(max=2000)]) for key in flag_keys}
    return type("ReportSignOffForm", (SignOffForm,), fields)(**kwargs)


class SubmissionForm(ServiceMessages, FlaskForm):
    """What NetDMR (or the state system) gave back: when, the confirmation number, the copy of record."""

    FIELD_ALIASES = {"file": "copy_of_record"}

    revision = IntegerField(validators=[InputRequired("Open the report again before recording its submission."),
                                        NumberRange(min=1)])
    submitted_at = moment_field("Submitted at (facility time)", InputRequired("Enter when it was submitted."))
    confirmation_number = StringField("Confirmation number",
                                      validators=[DataRequired("Enter the confirmation number the submission got."),
                                                  Length(max=80)])
    copy_of_record = FileField("Copy of record (optional)",
                               description="The PDF NetDMR gives after submission; kept with the report.")

    def __init__(self, *args: Any, zone: ZoneInfo, now: datetime, **kwargs: Any) -> None:
        self.zone, self.now = zone, now
        super().__init__(*args, **kwargs)
        if self.submitted_at.data is None and not self.submitted_at.raw_data:
            self.submitted_at.data = now.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)

    def validate_submitted_at(self, field) -> None:
        if field.data is not None and local_moment(field.data, self.zone) > self.now:
            raise ValidationError("Cannot be in the future.")

    def moment(self) -> datetime:
        return local_moment(self.submitted_at.data, self.zone)

    def copy(self) -> CopyOfRecord | None:
        storage = self.copy_of_record.data
        if not storage or not getattr(storage, "filename", None):
            return None
        return CopyOfRecord(storage.read(), storage.filename)


class NodiForm(ServiceMessages, FlaskForm):
    """`dmr set-nodi` on the page: a whole outfall (no parameter) or one parameter, a code and why."""

    FIELD_ALIASES = {"--outfall": "outfall", "--parameter": "parameter", "--code": "code", "--reason": "reason"}

    outfall = SelectField("Outfall", choices=[])
    parameter = SelectField("Parameter", choices=[], default="",
                            description="Leave at \"whole outfall\" for e.g. C, no discharge all period.")
    code = SelectField("NODI code", choices=[SelectChoice(c, f"{c} · {label}") for c, label in NODI_CODES.items()],
                       default="C")
    reason = TextAreaField("Reason", validators=[DataRequired("Say why there is no data."), Length(max=2000)])

    def offer(self, outfalls: list[tuple[str, list[tuple[str, str]]]]) -> None:
        """(outfall, [(parameter code, name)]) of the version in force; a code is offered once."""
        self.outfall.choices = [SelectChoice(feature) for feature, _ in outfalls]
        names = {code: name for _, parameters in outfalls for code, name in parameters}
        self.parameter.choices = [SelectChoice("", "whole outfall")] + [
            SelectChoice(code, f"{code} {name}") for code, name in names.items()]

    def parameter_code(self) -> str | None:
        return self.parameter.data or None

