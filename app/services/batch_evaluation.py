"""Evaluates the parameter-months an import touched, each (outfall, parameter, location, month) once."""
from __future__ import annotations

from itertools import groupby

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.permit import Permit, PermitVersion
from app.services.exceedances import EvaluationSummary, evaluate_outfall, evaluation_targets
from app.services.permit_overview import WITH_LIMIT_COLUMNS


def evaluate_touched(session: Session, touched: dict[tuple, set[str]], *, reason: str) -> EvaluationSummary:
    """evaluate_months over every touched (permit, outfall, code, location) and its months, in the same
    order, except that a parameter-month reached twice (a flow or influent row moves other parameters,
    CALC-07/CALC-09) is evaluated at its first turn only. Its results do not change after that turn
    (everything is stored before evaluation starts), so a second turn would find the same exceedances.

    Each outfall's parameter-months are judged from one read of their results and one of their stored
    exceedances: an evaluation writes only its own parameter-month's exceedances and obligations.
    """
    summary = EvaluationSummary()
    held: dict[int, list[PermitVersion]] = {}
    for (permit_id, outfall), group in groupby(sorted(touched.items()), key=lambda item: item[0][:2]):
        permit = session.get(Permit, permit_id)
        if permit_id not in held:
            # Every version's outfalls, parameters and limit columns in four queries, held (the identity
            # map holds objects weakly) while the permit is judged: each parameter's columns were
            # otherwise loaded by a query of their own.
            held[permit_id] = session.scalars(select(PermitVersion).where(PermitVersion.permit_id == permit_id)
                                              .options(WITH_LIMIT_COLUMNS)).all()
        turns: dict[tuple[str, str, str], None] = {}  # (code, location, month) in evaluate_months' order
        for (_permit, _outfall, code, location), months in group:
            for target in evaluation_targets(permit, outfall, code, location):
                for label in sorted(months):
                    turns.setdefault((*target, label), None)
        evaluate_outfall(session, permit, outfall, turns, reason=reason, summary=summary)
    return summary
