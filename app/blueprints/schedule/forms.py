"""Forms of the schedule blueprint: the month and week pickers (GET), the feed buttons and the settings (CSRF)."""
from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.domain.periods import WEEKDAYS
from app.services.schedule_settings import ScheduleSettings

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


class ScheduleSettingsForm(FlaskForm):
    """The facility's sampling weekdays (a checkbox each) and holidays (one date a line)."""

    # No choice validation here: the service checks names and dates, so a mistake reads the same
    # whoever calls it.
    preferred_weekdays = SelectMultipleField(
        "Preferred sampling weekdays", choices=[SelectChoice(d, d.capitalize()) for d in WEEKDAYS],
        validate_choice=False, widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    holidays = TextAreaField("Holidays and shutdown days", description=(
        "One date a line as YYYY-MM-DD; anything after # on a line is a note for you and is not kept."))
    submit = SubmitField("Save and re-plan")

    @classmethod
    def showing(cls, settings: ScheduleSettings) -> ScheduleSettingsForm:
        return cls(formdata=None, data={"preferred_weekdays": list(settings.preferred_weekdays),
                                        "holidays": "\n".join(d.isoformat() for d in settings.holidays)})

    def holiday_lines(self) -> list[str]:
        """The dates typed in the box: blank lines and # notes dropped, everything else for the service to read."""
        lines = (line.split("#", 1)[0].strip() for line in (self.holidays.data or "").splitlines())
        return [line for line in lines if line]
