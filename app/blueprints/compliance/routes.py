"""Views of the compliance blueprint."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.blueprints.compliance import bp
from app.blueprints.compliance.countdown import countdown, is_overdue, local_iso, local_time
from app.blueprints.compliance.forms import EventForm, FulfilmentForm, NoticeForm, ReportForm, kind_label
from app.domain.parameter_codes import parameter_description
from app.extensions import db
from app.models.base import utcnow
from app.models.compliance import NotificationObligation
from app.services.events import EventError, report_event
from app.services.notification_obligations import (FOLLOWUP, INITIAL, OPEN, ObligationError, list_obligations,
                                                   record_fulfilment, triggering_facts)
from app.services.permit_overview import permit_by_number, permit_overview

PART_FORMS: dict[str, type[FulfilmentForm]] = {INITIAL: NoticeForm, FOLLOWUP: ReportForm}
SHOW = ("open", "all")


def _shown() -> str:
    return request.args.get("show") if request.args.get("show") in SHOW else "open"


def part_form(obligation: NotificationObligation, part: str, now: datetime, **kwargs) -> FulfilmentForm:
    # A prefix per obligation and part: the list holds many of these forms, and ids must not clash.
    return PART_FORMS[part](prefix=f"o{obligation.id}-{part}", zone=ZoneInfo(obligation.timezone), now=now,
                            **kwargs)


@bp.context_processor
def display_helpers() -> dict:
    return {"countdown": countdown, "is_overdue": is_overdue, "local_time": local_time, "local_iso": local_iso,
            "kind_label": kind_label, "parameter_description": parameter_description}


def _obligations_page(failed: tuple[int, str, FulfilmentForm] | None = None):
    now, show = utcnow(), _shown()
    rows = list_obligations(db.session, open_only=show == "open")

    def form_for(obligation, part):
        # The form that failed comes back with its input and messages; every other one is blank.
        if failed is not None and failed[:2] == (obligation.id, part):
            return failed[2]
        return part_form(obligation, part, now, formdata=None)

    facts = triggering_facts(db.session, [o for o, _ in rows])
    return render_template("compliance/obligations.html", rows=rows, facts=facts, show=show, now=now,
                           form_for=form_for, failed=failed[:2] if failed else None), 400 if failed else 200


@bp.get("/obligations")
def obligations():
    return _obligations_page()


def _record(obligation_id: int, part: str):
    obligation = db.get_or_404(NotificationObligation, obligation_id)
    form = part_form(obligation, part, utcnow())
    if form.validate_on_submit():
        done_at, record = form.fulfilment()
        try:
            record_fulfilment(db.session, obligation.id, part, done_at=done_at, record=record,
                              actor_id=current_user.id, actor_label=current_user.email)
        except ObligationError as error:
            db.session.rollback()
            flash(f"Nothing was recorded: {error}", "error")
        else:
            db.session.commit()
            kind = kind_label(getattr(obligation, f"{part}_kind"))
            flash(f"Recorded the {kind} for obligation {obligation.id} ({obligation.rule}).", "success")
            # A finished obligation leaves the open list; show it where it still is.
            show = _shown() if obligation.status == OPEN else "all"
            return redirect(url_for("compliance.obligations", show=show, _anchor=f"obligation-{obligation.id}"))
    return _obligations_page(failed=(obligation.id, part, form))


@bp.post("/obligations/<int:obligation_id>/initial")
def record_initial(obligation_id: int):
    return _record(obligation_id, INITIAL)


@bp.post("/obligations/<int:obligation_id>/followup")
def record_followup(obligation_id: int):
    return _record(obligation_id, FOLLOWUP)


@bp.route("/events/new", methods=["GET", "POST"])
def new_event():
    form = EventForm()
    form.offer(permit_overview(db.session, utcnow()))
    if form.validate_on_submit():
        permit = permit_by_number(db.session, form.permit.data)
        try:
            event, created = report_event(db.session, form.report(ZoneInfo(permit.facility.timezone)),
                                          actor_id=current_user.id, actor_label=current_user.email)
        except EventError as error:
            db.session.rollback()
            form.attach_error(str(error))
        else:
            db.session.commit()
            flash(f"Event {event.id} recorded ({kind_label(event.kind)}): {len(created)} notification "
                  f"obligation{'' if len(created) == 1 else 's'} created.", "success")
            anchor = f"obligation-{created[0].id}" if created else None
            return redirect(url_for("compliance.obligations", _anchor=anchor))
    return render_template("compliance/new_event.html", form=form), 400 if request.method == "POST" else 200
