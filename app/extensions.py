"""Flask extensions, created unbound; create_app() binds them with init_app()."""
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event

from app.models.base import Base, stored_json

DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 15_000
DEFAULT_SQLITE_CACHE_MB = 32  # app/config.py's OUTFALL_SQLITE_CACHE_MB


class OutfallSQLAlchemy(SQLAlchemy):
    """Flask-SQLAlchemy with SQLite connections that wait for a writer instead of failing at once."""

    def _make_engine(self, bind_key, options, app):
        options.setdefault("json_serializer", stored_json)
        engine = super()._make_engine(bind_key, options, app)
        if engine.dialect.name == "sqlite":
            # Several gunicorn workers share one SQLite file and SQLite lets one writer in at a time: a
            # connection that finds the file locked waits up to the busy timeout for its turn. Read at
            # connect time, so a test can shorten it and dispose the pool.
            @event.listens_for(engine, "connect")
            def _busy_timeout(dbapi_connection, _record):
                timeout = int(app.config.get("OUTFALL_SQLITE_BUSY_TIMEOUT_MS", DEFAULT_SQLITE_BUSY_TIMEOUT_MS))
                cursor = dbapi_connection.cursor()
                cursor.execute(f"PRAGMA busy_timeout = {timeout:d}")
                # SQLite's default page cache is 2 MB a connection: at ten years of records a search or
                # the dashboard reads more pages than that at random (search_entry rows by id), and every
                # miss is a read call. 32 MB took the pages' p95 under 16 clients from 210 to 184 ms at
                # full scale (bench/NOTES.md); it is an upper bound, filled only as pages are read.
                cache_mb = int(app.config.get("OUTFALL_SQLITE_CACHE_MB", DEFAULT_SQLITE_CACHE_MB))
                cursor.execute(f"PRAGMA cache_size = {-1024 * cache_mb:d}")
                cursor.close()
        return engine


db = OutfallSQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
