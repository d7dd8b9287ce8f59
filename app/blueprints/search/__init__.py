"""Search: one box that finds any record an inspector asks for, in seconds."""
from flask import Blueprint

bp = Blueprint("search", __name__, url_prefix="/search")

from app.blueprints.search import routes  # noqa: E402,F401
