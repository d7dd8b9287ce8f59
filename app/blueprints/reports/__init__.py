"""Reports: each permit's DMR/SMR periods, one report's review with derivations, its files, sign-off and submission."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from app.blueprints.reports import routes  # noqa: E402,F401
