"""Outfall: wastewater discharge permit compliance for an industrial facility (the app factory)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from app.config import Config, settings_from_environment

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _instance_path() -> str:
    return os.path.abspath(os.environ.get("OUTFALL_INSTANCE_PATH") or PROJECT_ROOT / "instance")


def _secret_key_from_instance(instance_path: str) -> str:
    """Generated once and kept in the instance folder, so no secret ever sits in the repository."""
    key_file = Path(instance_path) / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=_instance_path(), instance_relative_config=True)
    app.config.from_object(Config)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(settings_from_environment())
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "outfall.db")
    if not app.config.get("SECRET_KEY"):
        if app.config.get("TESTING"):
            raise RuntimeError("tests must pass a SECRET_KEY in test_config")
        app.config["SECRET_KEY"] = _secret_key_from_instance(app.instance_path)

    register_extensions(app)
    register_blueprints(app)
    register_security(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    from app.extensions import csrf, db, login_manager, migrate
    from app.services import audit  # noqa: F401  (registers the audit listeners)
    from app.services.search_index import register_search_index

    db.init_app(app)
    register_search_index()  # after the audit listener, so the audit entries it writes are indexed too
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    from app.blueprints.api.bearer import load_token_user, outside_the_api
    from app.blueprints.auth.session import load_user
    login_manager.user_loader(outside_the_api(load_user))
    login_manager.request_loader(load_token_user)


def register_blueprints(app: Flask) -> None:
    from app.blueprints.admin import bp as admin_bp
    from app.blueprints.api import bp as api_bp
    from app.blueprints.auth import bp as auth_bp
    from app.blueprints.compliance import bp as compliance_bp
    from app.blueprints.dashboard import bp as dashboard_bp
    from app.blueprints.permits import bp as permits_bp
    from app.blueprints.records import bp as records_bp
    from app.blueprints.reports import bp as reports_bp
    from app.blueprints.results import bp as results_bp
    from app.blueprints.schedule import bp as schedule_bp
    from app.blueprints.search import bp as search_bp
    from app.blueprints.trends import bp as trends_bp
    from app.extensions import csrf

    app.register_blueprint(auth_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(permits_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(schedule_bp)
    app.register_blueprint(compliance_bp)
    app.register_blueprint(records_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(trends_bp)
    # The API takes no cookies (only a bearer token signs it in), so there is no session to forge
    # a request from and no form to carry a CSRF token.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)


def register_security(app: Flask) -> None:
    from app.authz import register_authz
    from app.blueprints.errors import register_error_handlers
    from app.security_headers import register_security_headers

    register_authz(app)
    register_error_handlers(app)
    register_security_headers(app)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        return response


def register_cli(app: Flask) -> None:
    from app.cli import register_commands

    register_commands(app)
