"""Results: the recent list, entering one sample's results, one result with its corrections, and file import."""
from flask import Blueprint

bp = Blueprint("results", __name__, url_prefix="/results")

from app.blueprints.results import routes  # noqa: E402,F401
