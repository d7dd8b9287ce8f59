"""Evaluates the parameter-months an import touched, each (outfall, parameter, location, month) once."""
from __future__ import annotations

from sqlalchemy.orm import Session

from app.domain.periods import parse_period
from app.models.permit import Permit
from app.services.exceedances import EvaluationSummary, evaluate_parameter_month, evaluation_targets


def evaluate_touched(session: Session, touched: dict[tuple, set[str]], *, reason: str) -> EvaluationSummary:
    """evaluate_months over every touched (permit, outfall, code, location) and its months, in the same
    order, except that a parameter-month reached twice (a flow or influent row moves its whole outfall,
    CALC-07/CALC-09) is evaluated at its first turn only. Its results do not change after that turn
    (everything is stored before evaluation starts), so a second turn would find the same exceedances."""
    summary = EvaluationSummary()
    done: set[tuple] = set()
    for (permit_id, outfall, code, location), months in sorted(touched.items()):
        permit = session.get(Permit, permit_id)
        for target_code, target_location in evaluation_targets(permit, outfall, code, location):
            for label in sorted(months):
                key = (permit_id, outfall, target_code, target_location, label)
                if key in done:
                    continue
                done.add(key)
                evaluate_parameter_month(session, permit, outfall, target_code, target_location,
                                         parse_period(label), reason=reason, summary=summary)
    return summary
