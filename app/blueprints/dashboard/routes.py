"""Views of the dashboard blueprint."""
from flask import render_template, request

from app.blueprints.compliance.countdown import countdown, is_overdue, local_iso, local_time
from app.blueprints.dashboard import bp
from app.extensions import db
from app.models.base import utcnow
from app.services.dashboard import build_dashboard, headroom_page
from app.services.notification_obligations import next_due


@bp.get("")
def index():
    now = utcnow()
    return render_template("dashboard/index.html", board=build_dashboard(db.session, now), permits=None, now=now,
                           countdown=countdown, is_overdue=is_overdue, local_iso=local_iso, local_time=local_time,
                           next_due=next_due)


@bp.get("headroom")
def headroom():
    page = headroom_page(db.session, utcnow(), request.args.get("page", 1, type=int))
    return render_template("dashboard/headroom.html", page=page)
