"""Permits: list, one permit's versions and limits laid out like the DMR, and definition upload."""
from flask import Blueprint

bp = Blueprint("permits", __name__, url_prefix="/permits")

from app.blueprints.permits import routes  # noqa: E402,F401
