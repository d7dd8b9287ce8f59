"""Views of the admin blueprint."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.blueprints.admin import bp
from app.blueprints.admin.forms import AuditFilterForm, InviteForm, ResetTwoFactorForm, RoleForm
from app.blueprints.auth.forms import ActionForm
from app.extensions import db
from app.models.base import utcnow
from app.models.schedule import OutboxMessage
from app.models.user import User
from app.services.audit_query import AuditFilter, audit_choices, audit_page
from app.services.outbox import OutboxError, outbox_listing, retry_message
from app.services.two_factor import reset_two_factor
from app.services.users import AccountError, change_role, create_user, invitation_token, set_active
from app.services.user_directory import all_users


@bp.route("/users", methods=["GET"])
def users():
    return render_template("admin/users.html", users=all_users(db.session), invite_form=InviteForm(),
                           role_form=RoleForm(), action_form=ActionForm(), invite_link=None)


@bp.post("/users/invite")
def invite_user():
    form = InviteForm()
    invite_link = None
    if form.validate_on_submit():
        try:
            user = create_user(db.session, email=form.email.data, name=form.name.data, role=form.role.data,
                               password=None, actor_id=current_user.id, actor_label=current_user.email)
        except AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            token = invitation_token(user, current_app.config["SECRET_KEY"])
            invite_link = url_for("auth.accept_invite", token=token, _external=True)
            flash(f"Invited {user.email}. Send them the link below; it works once, for "
                  f"{current_app.config['OUTFALL_INVITE_MAX_AGE_HOURS']} hours.", "success")
    return render_template("admin/users.html", users=all_users(db.session), invite_form=form,
                           role_form=RoleForm(), action_form=ActionForm(), invite_link=invite_link)


def change_role_view(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            change_role(db.session, user, form.role.data, actor=current_user)
            db.session.commit()
            flash(f"{user.email} is now {user.role}.", "success")
        except AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
    return redirect(url_for("admin.users"))


bp.add_url_rule("/users/<int:user_id>/role", endpoint="change_role", view_func=change_role_view,
                methods=["POST"])


def set_active_view(user_id: int, active: int):
    user = db.get_or_404(User, user_id)
    if active not in (0, 1):
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            set_active(db.session, user, bool(active), actor=current_user)
            db.session.commit()
            flash(f"{user.email} {'reactivated' if active else 'deactivated'}.", "success")
        except AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
    return redirect(url_for("admin.users"))


bp.add_url_rule("/users/<int:user_id>/active/<int:active>", endpoint="set_active", view_func=set_active_view,
                methods=["POST"])


def reset_two_factor_view(user_id: int):
    user = db.get_or_404(User, user_id)
    form = ResetTwoFactorForm()
    if form.validate_on_submit():
        try:
            reset_two_factor(db.session, user, actor=current_user, reason=form.reason.data)
        except AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"Two-factor sign-in of {user.email} is off; they can sign in with the password and set it up "
                  "again.", "success")
    for field_errors in form.errors.values():
        for message in field_errors:
            flash(message, "error")
    return redirect(url_for("admin.users"))


bp.add_url_rule("/users/<int:user_id>/two-factor/reset", endpoint="reset_two_factor",
                view_func=reset_two_factor_view, methods=["POST"])


@bp.get("/audit")
def audit_trail():
    form = AuditFilterForm(request.args)
    entities, actions = audit_choices(db.session)
    form.offer(entities, actions)
    form.validate()
    filters = AuditFilter(entity=form.entity.data or None, entity_id=form.entity_id.data or None,
                          actor=form.actor.data or None, action=form.action.data or None,
                          since=form.since.data if not form.since.errors else None,
                          until=form.until.data if not form.until.errors else None)
    page = audit_page(db.session, filters, request.args.get("page", 1, type=int))
    return render_template("admin/audit.html", form=form, page=page,
                           query={k: v for k, v in request.args.items() if k != "page"})


@bp.get("/outbox")
def outbox():
    listing = outbox_listing(db.session, status=request.args.get("status"))
    return render_template("admin/outbox.html", listing=listing, action_form=ActionForm())


def retry_outbox_message_view(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    if ActionForm().validate_on_submit():
        try:
            retry_message(db.session, message, now=utcnow())
        except OutboxError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"Message {message.id} to {message.recipient} will be tried again on the next run.", "success")
    return redirect(url_for("admin.outbox", status=request.args.get("status")))


bp.add_url_rule("/outbox/<int:message_id>/retry", endpoint="retry_outbox_message",
                view_func=retry_outbox_message_view, methods=["POST"])
