"""Forms of the auth blueprint (Flask-WTF: every one carries the CSRF token)."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from app.domain.reminder_rules import KINDS


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Sign in")


class SetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(min=10, max=200)])
    confirm = PasswordField("Repeat the new password",
                            validators=[DataRequired(), EqualTo("password", "The passwords differ.")])
    submit = SubmitField("Set password")


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])


class TwoFactorCodeForm(FlaskForm):
    """The second sign-in step: the app's 6-digit code, or one recovery code."""
    code = StringField("Code from your authenticator app, or a recovery code",
                       validators=[DataRequired(), Length(max=40)])
    submit = SubmitField("Verify")


class EnableTwoFactorForm(FlaskForm):
    code = StringField("The 6-digit code the app shows now", validators=[DataRequired(), Length(max=20)])
    submit = SubmitField("Turn on two-factor sign-in")


class DisableTwoFactorForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired(), Length(max=200)])
    code = StringField("The 6-digit code the app shows now", validators=[DataRequired(), Length(max=20)])
    submit = SubmitField("Turn off two-factor sign-in")


class ActionForm(FlaskForm):
    """A button-only form: the CSRF token is the whole point."""
    submit = SubmitField("Go")


class ReminderPreferencesForm(FlaskForm):
    """One checkbox per reminder kind (added below from KINDS) and how they arrive."""
    delivery = RadioField("How reminders arrive", default="immediate", choices=[
        SelectChoice("immediate", "One e-mail per reminder, as it falls due"),
        SelectChoice("digest", "One summary e-mail a day at 07:00 (facility time)")])
    submit = SubmitField("Save reminder settings")


for _kind, _label in KINDS.items():
    setattr(ReminderPreferencesForm, _kind, BooleanField(_label))
