"""Views of the results blueprint."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.blueprints.compliance.countdown import local_time
from app.blueprints.results import bp
from app.blueprints.upload_limits import allow_uploads
from app.blueprints.results.forms import (UPLOAD_LIMIT, CorrectionForm, EntryForm, ImportConfirmForm,
                                          ImportUploadForm, ResultFilterForm)
from app.blueprints.results.uploads import discard_upload, keep_upload, kept_upload
from app.domain.result_fields import ResultFieldError
from app.extensions import db
from app.models.base import utcnow
from app.services.entry_trips import due_trips, trip_for_entry
from app.services.exceedances import EvaluationSummary
from app.services.result_files import ResultFileError, row_reader
from app.services.result_import import ImportReport, import_results, preview_verdicts
from app.services.result_views import (describe_exceedances, entry_points, entry_sheet, filter_choices,
                                       parameter_name, recent_results, result_detail, sample_flags)
from app.services.results import UNCHANGED, RecordOutcome, RevisionConflict, record_result

SHOWN_CHANGES = 8  # exceedance lines flashed at most: flashed messages ride in the session cookie


# The import takes larger files than the app's default, which is sized for permit files.
allow_uploads(bp, {"results.import_file"}, lambda: UPLOAD_LIMIT, "A results file")


@bp.context_processor
def display_helpers() -> dict:
    return {"local_time": local_time, "parameter_name": parameter_name}


@bp.get("/")
def index():
    form = ResultFilterForm(request.args)
    form.offer(*filter_choices(db.session))
    form.validate()
    page = recent_results(db.session, form.filters(), request.args.get("page", 1, type=int))
    return render_template("results/index.html", form=form, page=page,
                           query={k: v for k, v in request.args.items() if k != "page"})


# ---- entry of one sample ----------------------------------------------------------------------------------

@bp.route("/enter", methods=["GET", "POST"])
def enter():
    permit, outfall, now = request.args.get("permit"), request.args.get("outfall"), utcnow()
    if not permit or not outfall:
        return render_template("results/choose.html", points=entry_points(db.session, now),
                               trips=due_trips(db.session, now))
    sheet = entry_sheet(db.session, permit, outfall, now) or abort(404)
    event_id = request.args.get("event", type=int)
    trip = trip_for_entry(db.session, event_id, permit, outfall, now) if event_id else None
    form = EntryForm(zone=ZoneInfo(sheet.timezone), now=now)
    if request.method == "GET":
        form.offer(sheet, trip)
    verdicts = None
    if form.validate_on_submit():
        rows = form.raw_rows(sheet.permit, sheet.outfall)
        if not rows:
            form.form_errors.append("Enter a value for at least one parameter.")
        elif form.save.data:
            saved = _save(form, rows, now)
            if saved is not None:
                return redirect(url_for("results.detail", result_id=saved))
        else:
            verdicts = _check(form, rows, now)
    status = 400 if request.method == "POST" and (form.has_errors() and verdicts is None) else 200
    return render_template("results/enter.html", form=form, sheet=sheet, verdicts=verdicts, trip=trip,
                           labels={(p.code, p.monitoring_location): p for p in sheet.parameters}), status


def _check(form: EntryForm, rows: list[tuple[int, dict]], now: datetime) -> dict[int, tuple]:
    """The engine's verdict on each filled row, and the sample-rule flags; nothing is stored."""
    raws = [raw for _index, raw in rows]
    verdicts = preview_verdicts(db.session, raws, now=now, actor_id=current_user.id, actor_label=current_user.email)
    flags = sample_flags(db.session, raws)
    db.session.rollback()
    for (index, _raw), verdict in zip(rows, verdicts):
        if verdict.problem is not None:
            form.attach(index, verdict.problem.column, f"{verdict.problem.column}: {verdict.problem.message}")
    return {index: (verdict, flag) for (index, _raw), verdict, flag in zip(rows, verdicts, flags)}


def _save(form: EntryForm, rows: list[tuple[int, dict]], now: datetime) -> int | None:
    """All filled rows or none: every row is tried so that every error is shown, then commit or roll back."""
    outcomes, failed = [], False
    for index, raw in rows:
        try:
            outcomes.append((raw["parameter_code"], record_result(
                db.session, raw, now=now, actor_id=current_user.id, actor_label=current_user.email)))
        except ResultFieldError as error:
            form.attach(index, error.field, str(error))
            failed = True
    if failed:
        db.session.rollback()
        return None
    db.session.commit()
    sample_id = rows[0][1]["sample_id"]
    for line in _outcome_lines(f"Sample {sample_id}", outcomes):
        flash(line, "success")
    return outcomes[0][1].result_id


def _outcome_lines(subject: str, outcomes: list[tuple[str, RecordOutcome]]) -> list[str]:
    """"Sample S-1: 00530 saved (revision 1)." and then what the engine found, one line each."""
    parts = [f"{code} {'unchanged' if o.status == UNCHANGED else f'saved (revision {o.revision})'}"
             for code, o in outcomes]
    summaries = [o.evaluation for _code, o in outcomes if o.evaluation is not None]
    return [f"{subject}: {', '.join(parts)}.", *_evaluation_lines(summaries)]


def _evaluation_lines(summaries: list[EvaluationSummary]) -> list[str]:
    """"exceedance created: ..." per change, capped: flashed messages ride in the session cookie."""
    changes = [(word, i) for s in summaries for word in ("created", "updated", "withdrawn") for i in getattr(s, word)]
    lines = [f"exceedance {word}: {text}" for word, i in changes[:SHOWN_CHANGES]
             for text in describe_exceedances(db.session, [i])]
    if len(changes) > SHOWN_CHANGES:
        lines.append(f"... and {len(changes) - SHOWN_CHANGES} more exceedance changes; see the obligations page.")
    return lines


# ---- one result and its corrections -----------------------------------------------------------------------

def _detail_page(result_id: int, form: CorrectionForm | None = None, status: int = 200):
    detail = result_detail(db.session, result_id) or abort(404)
    return render_template("results/detail.html", d=detail, form=form or CorrectionForm.of(detail)), status


@bp.get("/<int:result_id>")
def detail(result_id: int):
    return _detail_page(result_id)


@bp.post("/<int:result_id>/correct")
def correct(result_id: int):
    found = result_detail(db.session, result_id) or abort(404)
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            outcome = record_result(db.session, form.raw(found), now=utcnow(), actor_id=current_user.id,
                                    actor_label=current_user.email, expected_revision=form.expected_revision())
        except ResultFieldError as error:
            db.session.rollback()
            form.attach(error.field, error.message if isinstance(error, RevisionConflict) else str(error))
            if isinstance(error, RevisionConflict):
                # Having read the message and the history above, the user may correct the newer revision.
                form.revision.data = str(found.result.current_revision)
        else:
            db.session.commit()
            result = found.result
            lines = (["Nothing changed: these are the values already stored."] if outcome.status == UNCHANGED
                     else _outcome_lines(f"Result {result.sample_id}", [(result.parameter_code, outcome)]))
            for line in lines:
                flash(line, "success")
            return redirect(url_for("results.detail", result_id=result_id))
    return _detail_page(result_id, form, 400)


# ---- file import ------------------------------------------------------------------------------------------

# A workbook whose XML is broken fails inside the XML parser (lxml's errors are SyntaxErrors), past the
# reader's own checks; to the user it is the same unreadable file.
UNREADABLE = (ResultFileError, SyntaxError)


def _unreadable(name: str, error: Exception) -> str:
    why = error if isinstance(error, ResultFileError) else f"not a readable .xlsx workbook ({error})"
    return f"{name}: {why}; nothing was stored."


def _run(path: Path, *, dry_run: bool, skip_invalid: bool) -> ImportReport:
    return import_results(db.session, row_reader(lambda: path.open("rb"), path.name), now=utcnow(),
                          actor_id=current_user.id, actor_label=current_user.email, dry_run=dry_run,
                          skip_invalid=skip_invalid)


def _preview(token: str, filename: str, status: int = 200):
    """The dry run: every row's verdict and the counts. Counted as if the valid rows were stored, so the page
    can say what ticking "store the valid rows" would do."""
    try:
        report = _run(kept_upload(token, current_user.id), dry_run=True, skip_invalid=True)
    finally:
        db.session.rollback()
    confirm = ImportConfirmForm(formdata=None, data={"token": token, "filename": filename})
    return render_template("results/import_preview.html", report=report, confirm=confirm, filename=filename), status


@bp.route("/import", methods=["GET", "POST"])
def import_file():
    if request.method == "POST" and "token" in request.form:
        return _import_kept()
    form = ImportUploadForm()
    if form.validate_on_submit():
        token = keep_upload(form.file.data, current_user.id)
        try:
            return _preview(token, Path(form.file.data.filename).name[-200:])
        except UNREADABLE as error:
            discard_upload(token, current_user.id)
            form.file.errors = [*form.file.errors, _unreadable(form.file.data.filename, error)]
    status = 400 if request.method == "POST" else 200
    return render_template("results/import.html", form=form), status


def _import_kept():
    form = ImportConfirmForm()
    path = kept_upload(form.token.data, current_user.id) if form.validate_on_submit() else None
    if path is None:
        flash("The uploaded file is no longer available; upload it again.", "error")
        return redirect(url_for("results.import_file"))
    try:
        report = _run(path, dry_run=False, skip_invalid=form.skip_invalid.data)
    except UNREADABLE as error:
        db.session.rollback()
        discard_upload(form.token.data, current_user.id)
        flash(_unreadable(form.filename.data, error), "error")
        return redirect(url_for("results.import_file"))
    if report.problems and not report.stored and not form.skip_invalid.data:
        # Kept for a second try with "store the valid rows" ticked.
        db.session.rollback()
        flash(f"Nothing was stored: {report.rejected} row(s) were rejected.", "error")
        return _preview(form.token.data, form.filename.data, 400)
    if report.stored:
        db.session.commit()
    else:
        db.session.rollback()
    discard_upload(form.token.data, current_user.id)
    flash(f"{form.filename.data}: {report.line}.", "success" if report.stored else "info")
    for line in _evaluation_lines([report.evaluation] if report.evaluation else []):
        flash(line, "success")
    return redirect(url_for("results.index"))
