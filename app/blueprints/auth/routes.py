"""Views of the auth blueprint."""
from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from app.blueprints.auth import bp
from app.blueprints.auth.forms import (ActionForm, ChangePasswordForm, LoginForm, ReminderPreferencesForm,
                                       SetPasswordForm)
from app.blueprints.auth.signin import await_second_factor, login_throttle, safe_next, sign_in_afresh
from app.domain.reminder_rules import KINDS
from app.extensions import db
from app.models.base import utcnow
from app.services.inspector_links import user_for_inspector_link
from app.services.reminder_preferences import reminder_choices, set_reminder_preferences
from app.services.users import (AccountError, accept_invitation, authenticate,
                                change_password, issue_api_token, revoke_api_token)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(db.session, email=form.email.data, password=form.password.data,
                                remote_addr=request.remote_addr or "unknown", throttle=login_throttle())
        except AccountError as error:
            db.session.commit()
            flash(str(error), "error")
            return render_template("auth/login.html", form=form), 429
        db.session.commit()
        if user is None:
            flash("E-mail or password is wrong, or the account is inactive.", "error")
            return render_template("auth/login.html", form=form), 401
        if user.two_factor_on:
            await_second_factor(user, request.args.get("next"))
            return redirect(url_for("auth.two_factor_code"))
        sign_in_afresh(user)
        return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    if ActionForm().validate_on_submit():
        logout_user()
    return redirect(url_for("auth.login"))


def _profile_page(status: int = 200, *, password_form=None, reminder_form=None, new_token=None):
    choices = reminder_choices(current_user)
    if reminder_form is None:
        # formdata=None: a post to another profile form must not tick or clear these boxes.
        reminder_form = ReminderPreferencesForm(formdata=None, data={
            **choices.chosen, "delivery": "digest" if choices.digest else "immediate"})
    return render_template("auth/profile.html", password_form=password_form or ChangePasswordForm(),
                           action_form=ActionForm(), reminder_form=reminder_form, reminder_kinds=choices.offered,
                           new_token=new_token), status


@bp.get("/profile")
def profile():
    return _profile_page()


def change_password_view():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_password(db.session, current_user, current=form.current.data, new=form.password.data)
        except AccountError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # the generation moved on; keep this session, end the others
            flash("Password changed. Other sessions were signed out.", "success")
            return redirect(url_for("auth.profile"))
    for field_errors in form.errors.values():
        for message in field_errors:
            flash(message, "error")
    return _profile_page(400, password_form=form)


bp.add_url_rule("/profile/password", endpoint="change_password", view_func=change_password_view,
                methods=["POST"])


@bp.post("/profile/api-token")
def create_api_token():
    if not ActionForm().validate_on_submit():
        return redirect(url_for("auth.profile"))
    try:
        # No choice sent means the least the token can do; the service refuses an unknown scope.
        token = issue_api_token(db.session, current_user, scope=request.form.get("scope", "read"))
    except AccountError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _profile_page(400)
    db.session.commit()
    return _profile_page(new_token=token)


def revoke_api_token_view():
    if ActionForm().validate_on_submit():
        revoke_api_token(db.session, current_user)
        db.session.commit()
        flash("API token revoked.", "success")
    return redirect(url_for("auth.profile"))


bp.add_url_rule("/profile/api-token/revoke", endpoint="revoke_api_token", view_func=revoke_api_token_view,
                methods=["POST"])


@bp.post("/profile/reminders")
def reminder_preferences():
    form = ReminderPreferencesForm()
    if form.validate_on_submit():
        set_reminder_preferences(db.session, current_user, kinds={kind: form[kind].data for kind in KINDS},
                                 digest=form.delivery.data == "digest")
        db.session.commit()
        flash("Reminder settings saved.", "success")
        return redirect(url_for("auth.profile"))
    for field_errors in form.errors.values():
        for message in field_errors:
            flash(message, "error")
    return _profile_page(400, reminder_form=form)


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = accept_invitation(db.session, token, form.password.data,
                                     secret_key=current_app.config["SECRET_KEY"],
                                     max_age=timedelta(hours=current_app.config["OUTFALL_INVITE_MAX_AGE_HOURS"]))
        except AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
            return render_template("auth/accept_invite.html", form=form), 400
        db.session.commit()
        flash(f"Password set for {user.email}. Sign in with it now.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/accept_invite.html", form=form)


@bp.get("/inspect/<token>")
def inspect(token: str):
    """An inspector's link signs its read-only account in (whoever was signed in on this browser is signed out)."""
    user = user_for_inspector_link(db.session, token, utcnow())
    if user is None:
        db.session.rollback()
        return render_template("error.html", code=404, title="Link not valid",
                               message="This inspector link has expired or was revoked. Ask the facility for a "
                                       "new one."), 404
    db.session.commit()
    sign_in_afresh(user)
    flash("Signed in read-only for the inspection; this access ends when the link expires.", "success")
    return redirect(url_for("dashboard.index"))
