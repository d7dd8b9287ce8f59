"""Views of the schedule blueprint: the month and week calendars, the private iCalendar feed, the sampling settings."""
from __future__ import annotations

from functools import partial

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.authz import can
from app.blueprints.compliance.countdown import local_time
from app.blueprints.schedule import bp
from app.blueprints.schedule.forms import FeedForm, MonthForm, ScheduleSettingsForm, WeekForm
from app.domain.icalendar_feed import render_calendar
from app.extensions import db
from app.models.base import utcnow
from app.services.calendar_tokens import issue_calendar_token, revoke_calendar_token, user_for_calendar_token
from app.services.calendar_views import (NOTIFICATION, SAMPLING, WEEKDAY_NAMES, CalendarItem, feed_events,
                                         feed_items, month_view, week_view)
from app.services.schedule_settings import (ReplanSummary, ScheduleSettingsError, schedule_settings,
                                            set_schedule_preferences)

FEED_NAME = "Outfall schedule"


def item_url(item: CalendarItem, *, can_enter: bool, external: bool = False) -> str:
    """Where an item leads: a trip to its results entry page, pre-filled for that trip (the week for those
    who cannot enter results), a deadline to its obligation, a due date to its permit."""
    if item.kind == SAMPLING:
        if can_enter:
            return url_for("results.enter", permit=item.permit, outfall=item.outfall, event=item.event_id,
                           _external=external)
        return url_for("schedule.week", week=item.day.isoformat(), _external=external)
    if item.kind == NOTIFICATION:
        # The list's "all" view: the default one leaves out done and withdrawn obligations.
        return url_for("compliance.obligations", show="all", _anchor=f"obligation-{item.obligation_id}",
                       _external=external)
    return url_for("permits.detail", number=item.permit, _external=external)


@bp.context_processor
def display_helpers() -> dict:
    return {"local_time": local_time, "weekday_names": WEEKDAY_NAMES,
            "item_url": partial(item_url, can_enter=can(current_user, "enter_results"))}


def _month_page(form: MonthForm, status: int = 200, new_feed_url: str | None = None):
    view = month_view(db.session, form.first_day(), utcnow())
    db.session.commit()  # the plan and the statuses it brought up to date, as `schedule list` does
    return render_template("schedule/month.html", view=view, form=form, new_feed_url=new_feed_url), status


@bp.get("/")
def month():
    form = MonthForm(request.args)
    return _month_page(form, 200 if form.validate() else 400)


@bp.get("/week")
def week():
    form = WeekForm(request.args)
    status = 200 if form.validate() else 400
    view = week_view(db.session, form.first_day(), utcnow())
    db.session.commit()  # as on the month page
    return render_template("schedule/week.html", view=view, form=form), status


@bp.post("/feed")
def create_feed():
    if not FeedForm().validate_on_submit():
        return redirect(url_for("schedule.month"))
    token = issue_calendar_token(db.session, current_user)
    db.session.commit()
    # Shown once, on this response only: the address is never put in a flash message or the session.
    return _month_page(MonthForm(formdata=None), new_feed_url=url_for("schedule.feed", token=token, _external=True))


@bp.post("/feed/revoke")
def revoke_feed():
    if FeedForm().validate_on_submit():
        revoke_calendar_token(db.session, current_user)
        db.session.commit()
        flash("Calendar feed revoked: its address no longer works.", "success")
    return redirect(url_for("schedule.month"))


@bp.get("/feed/<token>.ics")
def feed(token: str):
    """Public (calendar clients send no cookies): the token is the credential; a wrong one is simply not found."""
    user = user_for_calendar_token(db.session, token)
    if user is None:
        abort(404)
    now = utcnow()
    items = feed_items(db.session, now)
    db.session.commit()
    link = partial(item_url, can_enter=can(user, "enter_results"), external=True)
    body = render_calendar(feed_events(items, link), now=now, name=FEED_NAME)
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": 'inline; filename="outfall-schedule.ics"', "Cache-Control": "private, no-cache"})


def _replan_message(summary: ReplanSummary) -> str:
    if not summary.changed:
        return "Schedule settings saved; the planned trips already fit them."
    return (f"Schedule settings saved and {summary.permits} permit(s) re-planned from today: "
            f"{summary.planned} trip(s) planned, {summary.updated} updated, {summary.cancelled} cancelled.")


@bp.get("/settings")
def settings():
    current = schedule_settings(db.session)
    form = ScheduleSettingsForm.showing(current) if current else None
    return render_template("schedule/settings.html", settings=current, form=form)


@bp.post("/settings")
def save_settings():
    current = schedule_settings(db.session) or abort(404)
    form = ScheduleSettingsForm()
    if form.validate_on_submit():
        try:
            # Re-planning writes trips; a collision with another process planning them is handled there.
            summary = set_schedule_preferences(
                db.session, facility_id=current.facility_id,
                preferred_weekdays=form.preferred_weekdays.data or [], holidays=form.holiday_lines(),
                now=utcnow(), actor_id=current_user.id, actor_label=current_user.email)
        except ScheduleSettingsError as error:
            form[error.field].errors.append(str(error))
        else:
            db.session.commit()
            flash(_replan_message(summary), "success")
            return redirect(url_for("schedule.month"))
    return render_template("schedule/settings.html", settings=current, form=form), 400
