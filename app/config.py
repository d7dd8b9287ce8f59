"""Safe default configuration; instance/config.py and OUTFALL_* environment variables override it."""
from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path


class Config:
    # No secret here on purpose: the factory generates one into the instance folder (DESIGN rule 4).
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # default filled in by the factory from the instance path
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Production sits behind HTTPS; the loopback demo launcher turns this off for plain http.
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # A permit JSON or a lab export is small; anything bigger is refused before it is parsed.
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    OUTFALL_LOGIN_MAX_FAILURES = 5           # per account within the window
    OUTFALL_LOGIN_MAX_FAILURES_PER_IP = 20   # per client address within the window
    OUTFALL_LOGIN_WINDOW_MINUTES = 15
    OUTFALL_INVITE_MAX_AGE_HOURS = 72
    OUTFALL_SMTP_HOST: str | None = None
    OUTFALL_SMTP_PORT = 25
    OUTFALL_SMTP_USER: str | None = None
    OUTFALL_SMTP_PASSWORD: str | None = None
    OUTFALL_SMTP_STARTTLS = False
    OUTFALL_MAIL_FROM = "outfall@localhost"
    OUTFALL_BASE_URL = "http://127.0.0.1:5000"
    OUTFALL_SCHEDULER_MISFIRE_GRACE_SECONDS = 3600
    # How long a SQLite connection waits for another writer (gunicorn workers share one file) before
    # "database is locked"; PostgreSQL has row locks and ignores it.
    OUTFALL_SQLITE_BUSY_TIMEOUT_MS = 15_000
    # Each SQLite connection's page cache, at most (SQLite's own default is 2 MB); PostgreSQL ignores it.
    OUTFALL_SQLITE_CACHE_MB = 32
    OUTFALL_BACKUP_PATH: str | None = None   # the nightly backup's root; default instance/backups
    OUTFALL_DOCUMENTS_PATH: str | None = None  # the document store; default instance/documents (shared when scaled out)
    OUTFALL_BACKUP_KEEP = 14                 # nightly backups kept (older ones removed after a good one)
    # Behind a reverse proxy that terminates HTTPS: how many proxies' X-Forwarded-For and
    # X-Forwarded-Proto to believe (werkzeug's ProxyFix). 0 believes none, because without a proxy
    # that overwrites them any client could claim another address (dodging the per-address login
    # throttle) or HTTPS. Set both to 1 for one nginx or similar in front.
    OUTFALL_PROXY_FIX_X_FOR = 0
    OUTFALL_PROXY_FIX_X_PROTO = 0
    # Two-factor sign-in (TOTP) for managers and administrators. When required, one who has not
    # turned it on is sent to the set-up page after signing in and can reach nothing else.
    OUTFALL_REQUIRE_TWO_FACTOR = False
    OUTFALL_TWO_FACTOR_PENDING_MINUTES = 5   # how long a right password waits for its code
    OUTFALL_TWO_FACTOR_ISSUER = "Outfall"    # the name the authenticator app shows beside the code


_BOOL_SETTINGS = {"OUTFALL_SMTP_STARTTLS", "SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE",
                  "OUTFALL_REQUIRE_TWO_FACTOR"}
_INT_SETTINGS = {"OUTFALL_SMTP_PORT", "OUTFALL_LOGIN_MAX_FAILURES", "OUTFALL_LOGIN_MAX_FAILURES_PER_IP",
                 "OUTFALL_LOGIN_WINDOW_MINUTES", "OUTFALL_INVITE_MAX_AGE_HOURS",
                 "OUTFALL_SCHEDULER_MISFIRE_GRACE_SECONDS", "OUTFALL_BACKUP_KEEP",
                 "OUTFALL_SQLITE_BUSY_TIMEOUT_MS", "OUTFALL_SQLITE_CACHE_MB", "OUTFALL_PROXY_FIX_X_FOR", "OUTFALL_PROXY_FIX_X_PROTO",
                 "OUTFALL_TWO_FACTOR_PENDING_MINUTES"}


def settings_from_environment(environ: dict[str, str] | None = None) -> dict[str, object]:
    """The OUTFALL_* variables (and DATABASE_URL) as typed settings; the environment wins over files."""
    environ = dict(os.environ if environ is None else environ)
    settings: dict[str, object] = {}
    for key, raw in environ.items():
        if not key.startswith("OUTFALL_") or key == "OUTFALL_INSTANCE_PATH":
            continue
        if key in _BOOL_SETTINGS:
            settings[key] = raw.strip().lower() in {"1", "true", "yes", "on"}
        elif key in _INT_SETTINGS:
            settings[key] = int(raw)
        else:
            settings[key] = raw
    if environ.get("OUTFALL_SECRET_KEY"):
        settings["SECRET_KEY"] = environ["OUTFALL_SECRET_KEY"]
    if environ.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = environ["DATABASE_URL"]
    return settings


def document_store_path(config: Mapping[str, object], instance_path: str) -> Path:
    """The document store's folder: OUTFALL_DOCUMENTS_PATH, or `documents` in the instance folder."""
    return Path(str(config.get("OUTFALL_DOCUMENTS_PATH") or Path(instance_path) / "documents"))
