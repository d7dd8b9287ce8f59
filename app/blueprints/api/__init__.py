"""JSON API for the LIMS and scripts (CONTRACTS.md section 10): bearer tokens, JSON in and out, OpenAPI."""
from flask import Blueprint

from app.authz import API_PREFIX

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)

from app.blueprints.api import routes  # noqa: E402,F401
