"""Forms of the permits blueprint."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SubmitField


class PermitUploadForm(FlaskForm):
    definition = FileField("Permit definition (.json)", validators=[
        FileRequired("Choose a permit definition file."),
        FileAllowed(["json"], "Only .json permit definition files are accepted."),
    ])
    submit = SubmitField("Import")
