"""The self-monitoring schedule as a month and a week calendar, and each user's private iCalendar feed."""
from flask import Blueprint

bp = Blueprint("schedule", __name__, url_prefix="/schedule")

from app.blueprints.schedule import routes  # noqa: E402,F401
