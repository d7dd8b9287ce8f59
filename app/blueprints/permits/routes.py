"""Views of the permits blueprint."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.blueprints.permits import bp
from app.blueprints.permits.forms import PermitUploadForm
from app.domain.permit_definition import PermitDefinitionError
from app.extensions import db
from app.models.base import utcnow
from app.services.permit_files import PermitFileError, load_permit_document
from app.services.permit_overview import (permit_by_number, permit_overview, statuses, summarise,
                                          version_detail, version_page)
from app.services.permits import import_permit_definition

DMR_SLOTS = ("Q1", "Q2", "C1", "C2", "C3")


@bp.get("/")
def index():
    return render_template("permits/index.html", permits=permit_overview(db.session, utcnow()))


@bp.get("/<number>")
def detail(number: str):
    permit = permit_by_number(db.session, number) or abort(404)
    summary = summarise(permit, utcnow())
    chosen = request.args.get("version", type=int) or (summary.applying or summary.latest).version
    page = version_page(db.session, permit, chosen, request.args.get("outfall") or None) or abort(404)
    return render_template("permits/detail.html", permit=permit, summary=summary, version=page.version, page=page,
                           statuses=statuses(permit, summary.today), slots=DMR_SLOTS)


@bp.get("/<number>/v<int:version>/source")
def source(number: str, version: int):
    permit = permit_by_number(db.session, number) or abort(404)
    chosen = version_detail(db.session, permit, version) or abort(404)
    return render_template("permits/source.html", permit=permit, version=chosen)


@bp.route("/upload", methods=["GET", "POST"])
def upload():
    form = PermitUploadForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload_file = form.definition.data
        try:
            document = load_permit_document(upload_file.read(), upload_file.filename or "upload.json")
            outcome = import_permit_definition(db.session, document, actor_id=current_user.id,
                                               actor_label=current_user.email)
        except PermitFileError as error:
            problems = [str(error)]
        except PermitDefinitionError as error:
            problems = [str(problem) for problem in error.errors]
        else:
            db.session.commit()
            word = "imported as" if outcome.created else "is identical to the stored"
            flash(f"Permit {outcome.permit_number} {word} version {outcome.version}.", "success")
            return redirect(url_for("permits.detail", number=outcome.permit_number, version=outcome.version))
        db.session.rollback()
    status = 400 if request.method == "POST" else 200
    return render_template("permits/upload.html", form=form, problems=problems), status
