"""Records: documents, instrument calibrations, chain of custody, one sample's full record and the inspection binder."""
from flask import Blueprint

bp = Blueprint("records", __name__, url_prefix="/records")

from app.blueprints.records import inspector_links, routes  # noqa: E402,F401
