"""Builds the benchmark facility (12 outfalls x 40 parameters, 10 years or 1/20 of it) in a fresh database."""
from __future__ import annotations

import argparse
import random
import sys
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bench.bulk import BulkWriter
from bench.database import read_stamp, recreate_database, sqlite_url, stamp_path, write_stamp
from bench.facility import OUTFALLS, PERMIT_NUMBER, permit_document
from bench.history import History, plan_exceedances, write_documents

END = date(2026, 11, 30)  # fixed, so that the same seed gives the same facility whenever it is generated
SCALES = {"full": (3652, 300), "quick": (183, 15)}  # days of history, planted exceedances
PASSWORD = "outfall-bench"
USERS = (("bench-manager@example.com", "Bench Manager", "manager"),
         ("bench-labtech@example.com", "Bench Labtech", "labtech"))


@contextmanager
def stage(name: str, timings: dict[str, float]):
    started = time.perf_counter()
    print(f"  {name} ...", flush=True)
    yield
    timings[name] = round(time.perf_counter() - started, 1)
    print(f"  {name}: {timings[name]:.1f} s", flush=True)


def _accounts_and_permit(session, first: date) -> None:
    from app.services.permits import import_permit_definition
    from app.services.users import create_user

    for email, name, role in USERS:
        create_user(session, email=email, name=name, role=role, password=PASSWORD, actor_label="bench")
    # Two five-year terms: the renewal tightened the copper daily maximum.
    renewal = END - timedelta(days=5 * 365 + 1)
    import_permit_definition(session, permit_document(min(first, renewal - timedelta(days=1826)),
                                                      renewal - timedelta(days=1)), actor_label="bench")
    import_permit_definition(session, permit_document(renewal, renewal.replace(year=renewal.year + 10),
                                                      copper_daily_max="0.90"), actor_label="bench")
    session.commit()


def _history(engine, permit_id: int, labtech, first: date, plan, rng: random.Random) -> tuple[dict, History]:
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # This connection only: the bulk load need not survive a power cut; the file's settings are untouched.
            connection.exec_driver_sql("PRAGMA synchronous=OFF")
            connection.exec_driver_sql("PRAGMA cache_size=-262144")
        writer = BulkWriter(connection, actor_id=labtech.id, actor_label=labtech.email)
        history = History(writer, permit_id, plan, rng, entered_by=labtech.id)
        day = first
        while day <= END:
            for outfall in OUTFALLS:
                history.write_day(outfall, day)
            if (day + timedelta(days=1)).day == 1 or day == END:
                writer.flush()
                connection.commit()
                print(f"    {day:%Y-%m}: {history.results:,} results", flush=True)
            day += timedelta(days=1)
        documents = write_documents(writer, history, PERMIT_NUMBER, first, END, rng)
        written = writer.finish()
        connection.commit()
    print(f"    {documents:,} documents, {plan.corrections:,} corrections", flush=True)
    return written, history


def _evaluate(session, permit, plan) -> int:
    from app.domain.periods import parse_period
    from app.models.compliance import Exceedance
    from app.services.exceedances import evaluate_parameter_month

    for outfall, code, month in sorted(plan.months()):
        evaluate_parameter_month(session, permit, outfall, code, "1", parse_period(month),
                                 reason="bench: planted results evaluated")
    session.commit()
    return session.scalar(select(func.count(Exceedance.id)))


def _close_old_obligations(session) -> int:
    """The facility made its calls and sent its letters on time, except in the last thirty days."""
    from app.models.compliance import NotificationObligation
    from app.services.notification_obligations import OPEN, record_fulfilment

    cutoff = datetime.combine(END - timedelta(days=30), datetime.min.time(), tzinfo=timezone.utc)
    closed = 0
    for obligation in session.scalars(select(NotificationObligation).where(
            NotificationObligation.status == OPEN, NotificationObligation.aware_at < cutoff)).all():
        for part in ("initial", "followup"):
            due = getattr(obligation, f"{part}_due")
            if getattr(obligation, f"{part}_kind") and due is not None:
                done = max(obligation.aware_at, due - timedelta(hours=2))
                record_fulfilment(session, obligation.id, part, done_at=done, actor_id=None, actor_label="bench",
                                  record={"to": "CT DEEP", "how": "phone", "notes": "on time"})
        closed += 1
    session.commit()
    return closed


def _progress_path(url: str):
    # Beside the stamp, and only until the stamp is written: bench.run never mistakes a half-built facility
    # for a generated one.
    return stamp_path(url).with_suffix(".progress.json")


def read_progress(url: str) -> dict | None:
    import json

    path = _progress_path(url)
    return json.loads(path.read_text()) if path.exists() else None


def _write_progress(url: str, progress: dict) -> None:
    import json

    _progress_path(url).write_text(json.dumps(progress, indent=2) + "\n")


def generate(url: str, scale: str, seed: int, *, resume: dict | None = None) -> dict:
    """Build the facility; with `resume` (the progress of an interrupted run of the same scale and seed) the
    stages it finished are kept and the rest run again with today's code (a full-scale PostgreSQL run takes
    long enough that a rebuilt search index or a new migration must not mean regenerating ten years)."""
    from flask_migrate import upgrade

    from bench.database import make_app
    from app.extensions import db
    from app.models.permit import Permit
    from app.models.user import User
    from app.services.audit import verify_audit_trail
    from app.services.search_index import rebuild_search_index

    days, planted = SCALES[scale]
    first, rng, timings = END - timedelta(days=days - 1), random.Random(seed), {}
    if resume is None:
        print(f"generating the {scale} facility {first}..{END} into {make_url(url).render_as_string()}", flush=True)
        with stage("schema (migrations)", timings):
            recreate_database(url)
            app = make_app(url)
            with app.app_context():
                upgrade()
    else:
        print(f"resuming the {scale} facility in {make_url(url).render_as_string()} after: "
              f"{', '.join(resume['seconds'])}", flush=True)
        timings = dict(resume["seconds"])
        with stage("schema (migrations since the interrupted run)", timings):
            app = make_app(url)
            with app.app_context():
                upgrade()
    with app.app_context():
        session = db.session
        if resume is None:
            with stage("accounts and permit", timings):
                _accounts_and_permit(session, first)
                permit = session.scalar(select(Permit).where(Permit.number == PERMIT_NUMBER))
                labtech = session.scalar(select(User).where(User.email == USERS[1][0]))
                plan = plan_exceedances(OUTFALLS, first, END, planted, rng)
            with stage("samples, results, revisions, documents, audit (bulk)", timings):
                written, _ = _history(db.engine, permit.id, labtech, first, plan, rng)
            with stage("exceedances (evaluate_parameter_month)", timings):
                exceedances = _evaluate(session, permit, plan)
                closed = _close_old_obligations(session)
            _write_progress(url, {"scale": scale, "seed": seed, "seconds": timings,
                                  "counts": {**written, "exceedances": exceedances, "obligations_closed": closed}})
        else:
            counts = resume["counts"]
            written = {k: v for k, v in counts.items() if k not in ("exceedances", "obligations_closed")}
            exceedances, closed = counts["exceedances"], counts["obligations_closed"]
        with stage("search index (rebuild_search_index)", timings):
            entries = rebuild_search_index(session)
            session.commit()
        if db.engine.dialect.name == "postgresql":
            with stage("VACUUM ANALYZE", timings):
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                    connection.execute(text("VACUUM ANALYZE"))
        with stage("audit verify", timings):
            checked, broken = verify_audit_trail(session)
        if broken is not None:
            raise SystemExit(f"audit chain broken after generation: {broken}")
        session.remove()
        db.engine.dispose()
    counts = {**written, "exceedances": exceedances, "obligations_closed": closed, "search_entries": entries,
              "audit_entries_verified": checked}
    stamp = {"scale": scale, "seed": seed, "first": first.isoformat(), "last": END.isoformat(),
             "permit": PERMIT_NUMBER, "counts": counts, "seconds": timings}
    write_stamp(url, stamp)
    _progress_path(url).unlink(missing_ok=True)
    print("  " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    print(f"  total {sum(timings.values()):.1f} s; audit chain valid ({checked:,} entries)", flush=True)
    return stamp


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--database-url", help="default: SQLite bench/data/bench.db (quick: bench-quick.db)")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--if-missing", action="store_true",
                        help="do nothing when this database already holds a generated facility of this scale")
    parser.add_argument("--resume", action="store_true",
                        help="continue an interrupted run of this scale and seed after its bulk and evaluation stages")
    args = parser.parse_args(argv)
    url = args.database_url or sqlite_url(args.scale)
    stamp = read_stamp(url)
    if args.if_missing and stamp and stamp.get("scale") == args.scale and stamp.get("seed") == args.seed:
        print(f"{make_url(url).render_as_string()}: the {args.scale} facility is already generated")
        return 0
    progress = read_progress(url) if args.resume else None
    if args.resume and not (progress and progress.get("scale") == args.scale and progress.get("seed") == args.seed):
        print(f"{make_url(url).render_as_string()}: no interrupted {args.scale} run with seed {args.seed} to resume",
              file=sys.stderr)
        return 1
    generate(url, args.scale, args.seed, resume=progress)
    return 0


if __name__ == "__main__":
    sys.exit(main())
