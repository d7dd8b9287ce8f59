"""Views of the reports blueprint: the periods, one report's review, its files, sign-off, submission and NODIs."""
from __future__ import annotations

from io import BytesIO
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user

from app.blueprints.compliance.countdown import local_time
from app.blueprints.records.downloads import document_store, max_document_bytes
from app.blueprints.reports import bp
from app.blueprints.upload_limits import allow_uploads
from app.blueprints.reports.forms import NodiForm, SubmissionForm, ack_field_name, sign_off_form
from app.domain.dmr_columns import SLOTS
from app.domain.dmr_derivation import as_reported, display_decimal
from app.domain.nodi import NODI_CODES
from app.extensions import db
from app.models.base import utcnow
from app.services.dmr_build import DmrError, set_nodi
from app.services.report_signoff import SignOffError
from app.services.report_views import (FILE_TYPES, ReportReview, record_report_submission, report_file,
                                       report_index, report_review, sign_reviewed_report)

FORMAT = 'any("json", "icis-xml", "netdmr-csv", "xlsx")'


allow_uploads(bp, {"reports.submit"}, max_document_bytes, "A copy of record")


@bp.errorhandler(DmrError)
def no_such_report(error):
    # A label that is no period, or a period the permit does not report: say which, on the list of periods.
    flash(f"No such report: {error}", "error")
    return redirect(url_for("reports.index"))


@bp.context_processor
def display_helpers() -> dict:
    return {"ack_field_name": ack_field_name, "nodi_codes": NODI_CODES, "file_types": FILE_TYPES, "slots": SLOTS,
            "as_reported": as_reported, "display_decimal": display_decimal, "local_time": local_time}


def _review(number: str, period: str) -> ReportReview:
    return report_review(db.session, number, period, utcnow()) or abort(404)


def _page(review: ReportReview, *, sign_form=None, submission_form=None, nodi_form=None, status: int = 200):
    zone, now = ZoneInfo(review.built.permit.facility.timezone), utcnow()
    if sign_form is None:
        sign_form = sign_off_form(review.flag_keys, formdata=None, signer_name=current_user.name)
    if submission_form is None:
        submission_form = SubmissionForm(formdata=None, zone=zone, now=now,
                                         revision=review.current.revision if review.current else None)
    if nodi_form is None:
        nodi_form = NodiForm(formdata=None)
        nodi_form.offer(review.nodi_targets)
    return render_template("reports/review.html", r=review, sign_form=sign_form, submission_form=submission_form,
                           nodi_form=nodi_form), status


@bp.get("/")
def index():
    return render_template("reports/index.html", listing=report_index(db.session, utcnow()))


@bp.get("/<number>/<period>")
def review(number: str, period: str):
    return _page(_review(number, period))


@bp.get(f"/<number>/<period>/download/<{FORMAT}:fmt>")
def download(number: str, period: str, fmt: str):
    try:
        name, content_type, data = report_file(db.session, number, period, fmt, now=utcnow(),
                                               contact=current_user.email)
    except DmrError as error:
        flash(f"The {fmt} file cannot be made: {error}", "error")
        return redirect(url_for("reports.review", number=number, period=period))
    return send_file(BytesIO(data), mimetype=content_type, as_attachment=True, download_name=name)


@bp.post("/<number>/<period>/sign")
def sign(number: str, period: str):
    review = _review(number, period)
    form = sign_off_form(review.flag_keys)
    if form.validate_on_submit():
        try:
            report = sign_reviewed_report(db.session, review.built.permit.number, review.built.period.label,
                                          form.fingerprint.data, form.signature(),
                                          form.acknowledgements(review.flag_keys), now=utcnow(),
                                          store=document_store(), actor_id=current_user.id,
                                          actor_label=current_user.email)
        except (SignOffError, DmrError) as error:
            db.session.rollback()
            form.attach_error(str(error))
        else:
            db.session.commit()
            flash(f"Signed revision {report.revision}; the files are frozen with the checksums below.", "success")
            return redirect(url_for("reports.review", number=number, period=period,
                                    _anchor=f"revision-{report.revision}"))
    return _page(review, sign_form=form, status=400)


@bp.post("/<number>/<period>/submission")
def submit(number: str, period: str):
    review = _review(number, period)
    form = SubmissionForm(zone=ZoneInfo(review.built.permit.facility.timezone), now=utcnow())
    if form.validate_on_submit():
        try:
            report = record_report_submission(
                db.session, review.built.permit.number, review.built.period.label, form.revision.data,
                submitted_at=form.moment(), confirmation_number=form.confirmation_number.data, copy=form.copy(),
                store=document_store(), max_bytes=max_document_bytes(), actor_id=current_user.id,
                actor_label=current_user.email)
        except SignOffError as error:
            db.session.rollback()
            form.attach_error(str(error))
        else:
            db.session.commit()
            flash(f"Recorded the submission of revision {report.revision} "
                  f"(confirmation {report.confirmation_number}).", "success")
            return redirect(url_for("reports.review", number=number, period=period,
                                    _anchor=f"revision-{report.revision}"))
    return _page(review, submission_form=form, status=400)


@bp.post("/<number>/<period>/nodi")
def declare_nodi(number: str, period: str):
    review = _review(number, period)
    form = NodiForm()
    form.offer(review.nodi_targets)
    if form.validate_on_submit():
        try:
            declaration = set_nodi(db.session, permit_number=review.built.permit.number,
                                   period_label=review.built.period.label, outfall=form.outfall.data,
                                   parameter_code=form.parameter_code(), code=form.code.data,
                                   reason=form.reason.data, actor_id=current_user.id, actor_label=current_user.email)
        except DmrError as error:
            db.session.rollback()
            form.attach_error(str(error))
        else:
            db.session.commit()
            flash(f"Declared NODI {declaration.code} for outfall {declaration.outfall}"
                  f"{' parameter ' + declaration.parameter_code if declaration.parameter_code else ''}.", "success")
            return redirect(url_for("reports.review", number=number, period=period, _anchor="nodi"))
    return _page(review, nodi_form=form, status=400)
