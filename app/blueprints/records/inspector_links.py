"""Views of the records blueprint for inspector links: list, issue (the URL shown once) and revoke."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from app.blueprints.records import bp
from app.extensions import db
from app.models.base import utcnow
from app.models.user import InspectorLink
from app.services.inspector_links import MAX_HOURS, inspector_links, issue_inspector_link, revoke_inspector_link
from app.services.users import AccountError


class InspectorLinkForm(FlaskForm):
    label = StringField("For (name and agency)", validators=[DataRequired("Say who the link is for."),
                                                             Length(max=200)])
    hours = IntegerField("Valid for (hours)", default=10,
                         validators=[NumberRange(1, MAX_HOURS, f"Between 1 and {MAX_HOURS} hours.")])


def _page(form: InspectorLinkForm, status: int = 200, issued_url: str | None = None):
    return render_template("records/inspector_links.html", form=form, links=inspector_links(db.session),
                           now=utcnow(), issued_url=issued_url, revoke_form=FlaskForm()), status


@bp.get("/inspector-links", endpoint="inspector_links")
def inspector_links_page():
    return _page(InspectorLinkForm())


@bp.post("/inspector-links", endpoint="issue_inspector_link")
def issue_inspector_link_view():
    form = InspectorLinkForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        issued = issue_inspector_link(db.session, label=form.label.data, hours=form.hours.data,
                                      actor=current_user, now=utcnow())
    except AccountError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _page(form, 400)
    db.session.commit()
    flash(f"Inspector link for {issued.link.label} issued; copy it now, it is not shown again.", "success")
    return _page(InspectorLinkForm(formdata=None), issued_url=url_for("auth.inspect", token=issued.token,
                                                                      _external=True))


@bp.post("/inspector-links/<int:link_id>/revoke", endpoint="revoke_inspector_link")
def revoke_inspector_link_view(link_id: int):
    link = db.session.get(InspectorLink, link_id) or abort(404)
    if FlaskForm().validate_on_submit():
        revoke_inspector_link(db.session, link, actor=current_user, now=utcnow())
        db.session.commit()
        flash(f"Inspector link for {link.label} revoked; its sessions have ended.", "success")
    return redirect(url_for("records.inspector_links"))
