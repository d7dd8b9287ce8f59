"""Views of the dashboard blueprint."""
from flask import render_template

from app.blueprints.dashboard import bp
from app.extensions import db
from app.models.base import utcnow
from app.services.permit_overview import permit_overview


@bp.get("")
def index():
    return render_template("dashboard/index.html", permits=permit_overview(db.session, utcnow()))
