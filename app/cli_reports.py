"""`flask dmr build` and `flask dmr set-nodi` (CONTRACTS.md section 2)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.cli import fail
from app.extensions import db
from app.services.dmr_build import DmrError, build_dmr, set_nodi
from app.services.dmr_files import FORMATS, render_dmr

dmr_cli = AppGroup("dmr", help="DMR and SMR reports.")


@dmr_cli.command("build")
@click.option("--permit", "permit_number", required=True)
@click.option("--period", required=True, help="YYYY-MM, YYYY-Qn, YYYY-H1/H2 or YYYY")
@click.option("--format", "fmt", required=True, type=click.Choice(FORMATS))
@click.option("--out", required=True, help="file to write, or - for standard output")
def dmr_build(permit_number: str, period: str, fmt: str, out: str):
    """Build the report of one monitoring period in one format."""
    try:
        built = build_dmr(db.session, permit_number, period)
        data = render_dmr(built, fmt, contact=current_app.config.get("OUTFALL_MAIL_FROM", ""))
    except DmrError as error:
        fail(f"dmr build: {error}")
    if out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    target = Path(out)
    try:
        target.write_bytes(data)
    except OSError as error:
        fail(f"--out: cannot write {out} ({error.strerror})")
    document = built.document
    click.echo(f"{document['permit']} {period} ({fmt}): {sum(len(o['parameters']) for o in document['outfalls'])} "
               f"parameter rows, {document['violations']} violation(s), {len(document['flags'])} review flag(s) "
               f"-> {out}", err=True)


@dmr_cli.command("set-nodi")
@click.option("--permit", "permit_number", required=True)
@click.option("--period", required=True)
@click.option("--outfall", required=True)
@click.option("--parameter", "parameter_code")
@click.option("--code", required=True, help="NetDMR NODI code, e.g. C (no discharge), D (lost sample)")
@click.option("--reason", required=True)
def dmr_set_nodi(permit_number, period, outfall, parameter_code, code, reason):
    """Declare a No Data Indicator for an outfall (or one parameter) and period; audited."""
    try:
        declaration = set_nodi(db.session, permit_number=permit_number, period_label=period, outfall=outfall,
                               parameter_code=parameter_code, code=code, reason=reason, actor_label="cli")
    except DmrError as error:
        db.session.rollback()
        fail(f"dmr set-nodi: {error}")
    db.session.commit()
    where = f"outfall {outfall}" + (f" parameter {parameter_code}" if parameter_code else "")
    click.echo(f"NODI {declaration.code} declared for {permit_number} {period} {where}")


