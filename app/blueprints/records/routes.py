"""Views of the records blueprint."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.blueprints.compliance.countdown import local_time
from app.blueprints.compliance.forms import kind_label
from app.blueprints.records import bp
from app.blueprints.upload_limits import allow_uploads
from app.blueprints.records.downloads import (document_download, document_store, max_document_bytes,
                                              streamed_download)
from app.blueprints.records.forms import (CalibrationForm, CustodyForm, DisposeForm, DocumentFilterForm,
                                          DocumentUploadForm, InstrumentForm, ReportFailureForm, ServiceForm, words)
from app.domain.parameter_codes import parameter_description
from app.extensions import db
from app.models.base import utcnow
from app.models.record import Document
from app.services.binder import BinderError, binder_filename, binder_range, stream_binder
from app.services.calibration import (CalibrationError, instrument_standings, overdue_instruments,
                                      record_calibration, register_instrument, report_equipment_failure,
                                      set_instrument_in_service)
from app.services.custody import CustodyError, add_custody_transfer
from app.services.documents import DocumentError, dispose_document, open_document, store_document
from app.services.record_views import (document_detail, document_filter_choices, instrument_detail, list_documents,
                                       resolve_document_links)
from app.services.sample_record import sample_record, samples_by_code

UPLOADS = ("records.upload_document", "records.record_calibration")


allow_uploads(bp, UPLOADS, max_document_bytes, "A document")


@bp.context_processor
def display_helpers() -> dict:
    return {"local_time": local_time, "kind_label": kind_label, "words": words,
            "parameter_description": parameter_description}


def _index(status: int = 200, binder_error: str | None = None):
    now = utcnow()
    first, last = binder_range(None, None, now.date())
    return render_template("records/index.html", overdue=overdue_instruments(db.session, now), now=now,
                           binder_from=first, binder_to=last, binder_error=binder_error), status


@bp.get("/")
def index():
    return _index()


# ---- documents --------------------------------------------------------------------------------------------

@bp.get("/documents")
def documents():
    form = DocumentFilterForm(request.args)
    form.offer(*document_filter_choices(db.session))
    form.validate()
    page = list_documents(db.session, form.filters(), request.args.get("page", 1, type=int))
    return render_template("records/documents.html", form=form, page=page,
                           query={k: v for k, v in request.args.items() if k != "page"})


@bp.route("/documents/upload", methods=["GET", "POST"])
def upload_document():
    form = DocumentUploadForm()
    form.offer(document_filter_choices(db.session)[1])
    if form.validate_on_submit():
        try:
            links = resolve_document_links(db.session, *form.links())
            document = store_document(db.session, form.upload(links), store=document_store(),
                                      max_bytes=max_document_bytes(), actor_id=current_user.id,
                                      actor_label=current_user.email)
        except DocumentError as error:
            db.session.rollback()
            form.attach_error(str(error))
        else:
            db.session.commit()
            flash(f"Stored document {document.id} ({document.original_name}); kept until at least "
                  f"{document.retention_until.isoformat()}.", "success")
            return redirect(url_for("records.document", document_id=document.id))
    return render_template("records/upload.html", form=form, limit=max_document_bytes()), \
        400 if request.method == "POST" else 200


@bp.get("/documents/<int:document_id>")
def document(document_id: int):
    detail = document_detail(db.session, document_id, utcnow()) or abort(404)
    return render_template("records/document.html", d=detail, form=DisposeForm())


@bp.get("/documents/<int:document_id>/download")
def download_document(document_id: int):
    document = db.get_or_404(Document, document_id)
    if document.status != "active":
        abort(410)  # disposed of: no longer part of the record, and its file may be gone
    try:
        path = open_document(document, document_store())
    except DocumentError:
        abort(404)
    return document_download(document, path)


@bp.post("/documents/<int:document_id>/dispose", endpoint="dispose_document")
def dispose(document_id: int):
    detail = document_detail(db.session, document_id, utcnow()) or abort(404)
    form = DisposeForm()
    if form.validate_on_submit():
        try:
            dispose_document(db.session, detail.document, today=detail.today, reason=form.reason.data,
                             actor_id=current_user.id, actor_label=current_user.email)
        except DocumentError as error:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(error)]
        else:
            db.session.commit()
            flash(f"Document {document_id} is recorded as disposed of.", "success")
            return redirect(url_for("records.document", document_id=document_id))
    return render_template("records/document.html", d=detail, form=form), 400


# ---- instruments and calibration --------------------------------------------------------------------------

@bp.get("/instruments")
def instruments():
    now = utcnow()
    return render_template("records/instruments.html", rows=instrument_standings(db.session, now), now=now)


@bp.route("/instruments/new", methods=["GET", "POST"], endpoint="register_instrument")
def register():
    form = InstrumentForm()
    form.offer(document_filter_choices(db.session)[1])
    if form.validate_on_submit():
        try:
            instrument = register_instrument(db.session, form.spec(), actor_id=current_user.id,
                                             actor_label=current_user.email)
        except CalibrationError as error:
            db.session.rollback()
            form.attach_error(str(error))
        else:
            db.session.commit()
            flash(f"Registered {instrument.name}; record its first calibration below.", "success")
            return redirect(url_for("records.instrument", instrument_id=instrument.id))
    return render_template("records/register.html", form=form), 400 if request.method == "POST" else 200


def _instrument_page(instrument_id: int, calibration_form: CalibrationForm | None = None,
                     service_form: ServiceForm | None = None, status: int = 200):
    now = utcnow()
    detail = instrument_detail(db.session, instrument_id, now) or abort(404)
    form = calibration_form or CalibrationForm(zone=ZoneInfo(detail.timezone), now=now, formdata=None)
    return render_template("records/instrument.html", d=detail, now=now, form=form,
                           service_form=service_form or ServiceForm(formdata=None),
                           report_form=ReportFailureForm(formdata=None)), status


@bp.get("/instruments/<int:instrument_id>")
def instrument(instrument_id: int):
    return _instrument_page(instrument_id)


@bp.post("/instruments/<int:instrument_id>/calibrations", endpoint="record_calibration")
def record_calibration_entry(instrument_id: int):
    now = utcnow()
    detail = instrument_detail(db.session, instrument_id, now) or abort(404)
    form = CalibrationForm(zone=ZoneInfo(detail.timezone), now=now)
    if form.validate_on_submit():
        try:
            entry = record_calibration(db.session, form.record(instrument_id), now=now, store=document_store(),
                                       max_bytes=max_document_bytes(), actor_id=current_user.id,
                                       actor_label=current_user.email)
        except CalibrationError as error:
            db.session.rollback()
            form.attach_error(str(error))
        else:
            db.session.commit()
            if entry.passed:
                flash(f"Calibration of {detail.instrument.name} recorded: passed.", "success")
                return redirect(url_for("records.instrument", instrument_id=instrument_id, _anchor="log"))
            flash(f"Calibration of {detail.instrument.name} recorded: FAILED. Readings since the last good "
                  "calibration are suspect; report the monitoring-equipment failure below.", "error")
            return redirect(url_for("records.instrument", instrument_id=instrument_id, _anchor="failures"))
    return _instrument_page(instrument_id, calibration_form=form, status=400)


@bp.post("/instruments/<int:instrument_id>/service")
def set_service(instrument_id: int):
    form = ServiceForm()
    if form.validate_on_submit():
        try:
            instrument = set_instrument_in_service(db.session, instrument_id, form.in_service.data == "1",
                                                   reason=form.reason.data, actor_id=current_user.id,
                                                   actor_label=current_user.email)
        except CalibrationError as error:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(error)]
        else:
            db.session.commit()
            flash(f"{instrument.name} is {'back in' if instrument.active else 'out of'} service.", "success")
            return redirect(url_for("records.instrument", instrument_id=instrument_id))
    return _instrument_page(instrument_id, service_form=form, status=400)


@bp.post("/instruments/<int:instrument_id>/report-failure")
def report_failure(instrument_id: int):
    form = ReportFailureForm()
    if not form.validate_on_submit():
        return _instrument_page(instrument_id, status=400)
    try:
        event, created = report_equipment_failure(db.session, instrument_id, calibration_id=form.calibration(),
                                                  actor_id=current_user.id, actor_label=current_user.email)
    except CalibrationError as error:
        db.session.rollback()
        flash(f"Nothing was reported: {error}", "error")
        return _instrument_page(instrument_id, status=400)
    db.session.commit()
    flash(f"Monitoring-equipment failure reported as event {event.id}: {len(created)} notification "
          f"obligation{'' if len(created) == 1 else 's'} created.", "success")
    return redirect(url_for("compliance.obligations", _anchor=f"obligation-{created[0].id}" if created else None))


# ---- samples ----------------------------------------------------------------------------------------------

@bp.get("/samples")
def sample_lookup():
    code = (request.args.get("code") or "").strip()
    samples = samples_by_code(db.session, code) if code else []
    if len(samples) == 1:
        return redirect(url_for("records.sample", sample_id=samples[0][0].id))
    return render_template("records/samples.html", code=code, samples=samples), 404 if code and not samples else 200


def _sample_page(sample_id: int, form: CustodyForm | None = None, status: int = 200):
    record = sample_record(db.session, sample_id) or abort(404)
    form = form or CustodyForm(zone=ZoneInfo(record.timezone), formdata=None)
    return render_template("records/sample.html", r=record, form=form), status


@bp.get("/samples/<int:sample_id>")
def sample(sample_id: int):
    return _sample_page(sample_id)


@bp.post("/samples/<int:sample_id>/custody")
def add_custody(sample_id: int):
    record = sample_record(db.session, sample_id) or abort(404)
    form = CustodyForm(zone=ZoneInfo(record.timezone))
    if form.validate_on_submit():
        try:
            add_custody_transfer(db.session, form.transfer(sample_id), now=utcnow(), actor_id=current_user.id,
                                 actor_label=current_user.email)
        except CustodyError as error:
            db.session.rollback()
            form.attach_error(str(error))
        else:
            db.session.commit()
            flash("Custody transfer recorded.", "success")
            return redirect(url_for("records.sample", sample_id=sample_id, _anchor="custody"))
    return _sample_page(sample_id, form=form, status=400)


# ---- the binder -------------------------------------------------------------------------------------------

@bp.get("/binder")
def binder():
    now = utcnow()
    try:
        first, last = binder_range(request.args.get("from"), request.args.get("to"), now.date())
    except BinderError as error:
        return _index(400, binder_error=str(error))
    chunks = stream_binder(db.session, first=first, last=last, store=document_store(), now=now,
                           generated_by=f"{current_user.name} <{current_user.email}>")
    return streamed_download(chunks, binder_filename(first, last), "application/zip")
