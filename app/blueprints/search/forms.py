"""The search form: words and the filters, read from the query string."""
from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, SearchField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, Regexp

from app.services.search import ENTITY_LABELS


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = SearchField("Words", filters=[_strip], validators=[Optional(), Length(max=200)],
                    render_kw={"placeholder": "Sample id, COC number, parameter, document words…"})
    # The query string says type/from/to; those are not usable as Python attribute names.
    kind = SelectField("Type", name="type", choices=[SelectChoice("", "all")] + [
        SelectChoice(entity, label) for entity, label in ENTITY_LABELS.items()], validators=[Optional()])
    permit = SelectField("Permit", choices=[], validators=[Optional()])
    outfall = StringField("Outfall", filters=[_strip], validators=[Optional(), Length(max=4)])
    parameter = StringField("Parameter code", filters=[_strip], validators=[
        Optional(), Regexp(r"^\d{5}$", message="A 5-digit parameter code, such as 01042.")])
    date_from = DateField("From", name="from", validators=[Optional()])
    date_to = DateField("To", name="to", validators=[Optional()])

    def offer(self, permits: list[tuple[int, str]]) -> None:
        self._permit_ids = {number: permit_id for permit_id, number in permits}
        self.permit.choices = [SelectChoice("", "any")] + [SelectChoice(number) for _id, number in permits]

    def _value(self, field) -> Any:
        # A filter the user mistyped is shown with its error and left out, rather than emptying the page.
        return field.data if field.data not in (None, "") and not field.errors else None

    def filters(self) -> dict[str, Any]:
        """The service's keyword filters."""
        return {"entity": self._value(self.kind), "permit_id": self._permit_ids.get(self._value(self.permit)),
                "outfall": self._value(self.outfall), "parameter_code": self._value(self.parameter),
                "date_from": self._value(self.date_from), "date_to": self._value(self.date_to)}

    def asked(self) -> bool:
        return bool(self.q.data) or any(value is not None for value in self.filters().values())
