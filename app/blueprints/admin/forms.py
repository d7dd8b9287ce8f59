"""Forms of the admin blueprint."""
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.models.user import ROLES


class InviteForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Enter an e-mail address."), Length(max=254)])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    role = SelectField("Role", choices=[SelectChoice(r) for r in ROLES], default="viewer")
    submit = SubmitField("Invite")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(r) for r in ROLES])
    submit = SubmitField("Change role")


class ResetTwoFactorForm(FlaskForm):
    reason = StringField("Why", validators=[DataRequired(message="Say why two-factor is being reset."),
                                            Length(max=500)])
    submit = SubmitField("Reset two-factor")


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    entity = SelectField("Record type", choices=[], validate_choice=False, validators=[Optional()])
    entity_id = StringField("Record id", validators=[Optional(), Length(max=60)])
    actor = StringField("Who", validators=[Optional(), Length(max=254)])
    action = SelectField("Action", choices=[], validate_choice=False, validators=[Optional()])
    since = DateField("From (UTC)", validators=[Optional()])
    until = DateField("To (UTC)", validators=[Optional()])

    def offer(self, entities: list[str], actions: list[str]) -> None:
        """Fill the two pick lists with what the trail actually holds."""
        self.entity.choices = [SelectChoice("", "any")] + [SelectChoice(e) for e in entities]
        self.action.choices = [SelectChoice("", "any")] + [SelectChoice(a) for a in actions]
