"""The trends blueprint: a parameter's results over time against its limits."""
from flask import Blueprint

bp = Blueprint("trends", __name__, url_prefix="/trends")

from app.blueprints.trends import routes  # noqa: E402,F401
