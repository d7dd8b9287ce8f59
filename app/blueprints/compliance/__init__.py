"""Compliance: notification obligations with their deadlines, and reporting non-sample events."""
from flask import Blueprint

bp = Blueprint("compliance", __name__, url_prefix="/compliance")

from app.blueprints.compliance import routes  # noqa: E402,F401
