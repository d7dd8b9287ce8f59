"""`reminders send` sends a calibration reminder through a real SMTP server, once, and a new calibration ends it."""
from __future__ import annotations

from datetime import timedelta

from app.services.calibration import CalibrationRecord, InstrumentSpec, record_calibration, register_instrument
from tests.integration.test_reminders import NOW, plant, smtp  # noqa: F401  (fixtures)


def _send(runner, moment) -> str:
    result = runner.invoke(args=["reminders", "send", "--now", moment.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def _calibration_subjects(server, address: str) -> list[str]:
    return [s for s in server.inbox.subjects_for(address) if "alibration" in s]


def test_an_overdue_calibration_is_mailed_once_to_lab_tech_and_manager(app, runner, db, plant, smtp, tmp_path):
    meter = register_instrument(db.session, InstrumentSpec(name="pH meter PH-2", kind="ph_meter",
                                                           calibration_interval_days=30, permit_number="CT0000001",
                                                           outfall="001"))
    record_calibration(db.session, CalibrationRecord(meter.id, NOW - timedelta(days=31), True, "Lee"),
                       now=NOW - timedelta(days=31), store=tmp_path)
    db.session.commit()
    _send(runner, NOW)
    for address in ("labtech@plant.example", "manager@plant.example"):
        assert _calibration_subjects(smtp, address) == ["Calibration overdue: pH meter PH-2"]
    assert _calibration_subjects(smtp, "viewer@plant.example") == []
    message = next(m for m in smtp.inbox.messages if "Calibration overdue" in m["Subject"])
    assert f"/records/instruments/{meter.id}" in message.get_body(("plain",)).get_content()
    _send(runner, NOW + timedelta(minutes=5))  # a second run sends nothing again
    assert _calibration_subjects(smtp, "labtech@plant.example") == ["Calibration overdue: pH meter PH-2"]
    # Calibrated now: the next reminder is for the new due date, a month away, so nothing more is sent.
    record_calibration(db.session, CalibrationRecord(meter.id, NOW + timedelta(minutes=10), True, "Lee"),
                       now=NOW + timedelta(minutes=10), store=tmp_path)
    db.session.commit()
    _send(runner, NOW + timedelta(hours=1))
    assert _calibration_subjects(smtp, "labtech@plant.example") == ["Calibration overdue: pH meter PH-2"]
