"""Forms of the schedule blueprint: the month and week pickers (GET) and the feed buttons (CSRF)."""
from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, StringField, SubmitField
from wtforms.validators import Optional, Regexp, ValidationError

# Far enough either way for any permit; it also keeps the neighbour links inside what `date` can hold.
FIRST_YEAR, LAST_YEAR = 1900, 2199


class MonthForm(FlaskForm):
    class Meta:
        csrf = False  # a GET picker changes nothing

    month = StringField("Month", validators=[Optional(), Regexp(
        r"^(19|20|21)\d\d-(0[1-9]|1[0-2])$", message="A month as YYYY-MM, such as 2026-03.")])

    def first_day(self) -> date | None:
        """The chosen month's first day; None (the current month) when none or a bad one was given."""
        if not self.month.data or self.month.errors:
            return None
        return date.fromisoformat(self.month.data + "-01")


def _plausible_year(_form, field) -> None:
    if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(f"A day between {FIRST_YEAR} and {LAST_YEAR}.")


class WeekForm(FlaskForm):
    class Meta:
        csrf = False  # a GET picker changes nothing

    week = DateField("Week of", validators=[Optional(), _plausible_year])

    def first_day(self) -> date | None:
        return None if self.week.errors else self.week.data


class FeedForm(FlaskForm):
    """Create or revoke the feed: a button-only form, the CSRF token is the whole point."""

    submit = SubmitField("Go")
