"""Views of two-factor sign-in: the code step of a sign-in, and turning it on and off on one's own account."""
from __future__ import annotations

import io

import segno
from flask import Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user

from app.blueprints.auth import bp
from app.blueprints.auth.forms import (ActionForm, DisableTwoFactorForm, EnableTwoFactorForm, LoginForm,
                                       TwoFactorCodeForm)
from app.blueprints.auth.signin import (PENDING_SECOND_FACTOR, login_throttle, pending_second_factor_user,
                                        safe_next, sign_in_afresh)
from app.domain.two_factor import grouped_for_typing, provisioning_uri
from app.extensions import db
from app.models.base import utcnow
from app.services.two_factor import (begin_enrolment, complete_two_factor_sign_in, disable_two_factor,
                                     enable_two_factor, must_enrol, pending_enrolment, recovery_codes_left)
from app.services.users import AccountError

# Pages that show a secret or recovery codes must not stay in a browser's or proxy's cache.
_NO_STORE = {"Cache-Control": "no-store"}


def _secret_key() -> str:
    return current_app.config["SECRET_KEY"]


@bp.route("/login/code", methods=["GET", "POST"])
def two_factor_code():
    user, next_target = pending_second_factor_user()
    if user is None:
        if session.pop(PENDING_SECOND_FACTOR, None) is not None:
            flash("The sign-in waited too long for the code. Sign in again.", "error")
        return redirect(url_for("auth.login"))
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        try:
            method = complete_two_factor_sign_in(
                db.session, user, form.code.data, remote_addr=request.remote_addr or "unknown",
                throttle=login_throttle(), secret_key=_secret_key(), now=utcnow())
        except AccountError as error:
            db.session.commit()
            session.pop(PENDING_SECOND_FACTOR, None)  # start again from the password once the lock-out ends
            flash(str(error), "error")
            return render_template("auth/login.html", form=LoginForm(formdata=None)), 429
        db.session.commit()
        if method is None:
            flash("That code is not right, or it was already used. Type the code the app shows now.", "error")
            return render_template("auth/two_factor_code.html", form=form), 401
        sign_in_afresh(user)
        if method == "recovery_code":
            flash(f"Signed in with a recovery code; {recovery_codes_left(user)} left. Each works once.", "success")
        return redirect(safe_next(next_target))
    return render_template("auth/two_factor_code.html", form=form)


def _two_factor_page(status: int = 200, *, enable_form=None, disable_form=None, recovery_codes=None):
    enrolment = pending_enrolment(current_user, secret_key=_secret_key())
    page = render_template("auth/two_factor.html", action_form=ActionForm(),
                           enable_form=enable_form or EnableTwoFactorForm(formdata=None),
                           disable_form=disable_form or DisableTwoFactorForm(formdata=None),
                           grouped_secret=grouped_for_typing(enrolment.secret) if enrolment else None,
                           recovery_codes=recovery_codes, codes_left=recovery_codes_left(current_user),
                           required=must_enrol(current_user, current_app.config["OUTFALL_REQUIRE_TWO_FACTOR"]))
    return page, status, _NO_STORE


@bp.get("/profile/two-factor")
def two_factor():
    return _two_factor_page()


@bp.post("/profile/two-factor/begin")
def begin_two_factor():
    if ActionForm().validate_on_submit():
        try:
            begin_enrolment(db.session, current_user, secret_key=_secret_key())
        except AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
    return redirect(url_for("auth.two_factor"))


@bp.get("/profile/two-factor/qr.svg")
def two_factor_qr():
    """The otpauth:// URI as a QR code, drawn on the server (an <img>, so the page needs no script)."""
    enrolment = pending_enrolment(current_user, secret_key=_secret_key())
    if enrolment is None:
        abort(404)
    uri = provisioning_uri(enrolment.secret, account=current_user.email,
                           issuer=current_app.config["OUTFALL_TWO_FACTOR_ISSUER"])
    svg = io.BytesIO()
    segno.make(uri, error="m").save(svg, kind="svg", scale=5, border=4, xmldecl=False)
    return Response(svg.getvalue(), mimetype="image/svg+xml", headers=_NO_STORE)


def enable_two_factor_view():
    form = EnableTwoFactorForm()
    if form.validate_on_submit():
        try:
            codes = enable_two_factor(db.session, current_user, form.code.data, secret_key=_secret_key(),
                                      now=utcnow())
        except AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # the generation moved on; keep this session only
            flash("Two-factor sign-in is on. Other sessions were signed out; from now on, signing in asks for "
                  "a code.", "success")
            return _two_factor_page(recovery_codes=codes)
    return _two_factor_page(400, enable_form=form)


bp.add_url_rule("/profile/two-factor/enable", endpoint="enable_two_factor", view_func=enable_two_factor_view,
                methods=["POST"])


def disable_two_factor_view():
    form = DisableTwoFactorForm()
    if form.validate_on_submit():
        try:
            disable_two_factor(db.session, current_user, password=form.password.data, code=form.code.data,
                               secret_key=_secret_key(), now=utcnow())
        except AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("Two-factor sign-in is off.", "success")
            return redirect(url_for("auth.two_factor"))
    return _two_factor_page(400, disable_form=form)


bp.add_url_rule("/profile/two-factor/disable", endpoint="disable_two_factor", view_func=disable_two_factor_view,
                methods=["POST"])
