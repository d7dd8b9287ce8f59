"""Roles and permissions, enforced for every endpoint in one place (fail closed)."""
from __future__ import annotations

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from app.services.two_factor import must_enrol

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    # The inspector's account: reads everything, changes nothing.
    "viewer": frozenset({"view"}),
    "labtech": frozenset({"view", "enter_results"}),
    # The environmental manager keeps the permits and is the only one who signs reports.
    "manager": frozenset({"view", "enter_results", "manage_permits", "manage_compliance", "sign_reports",
                          "two_factor"}),
    # Runs the installation: accounts, plus setting up permits; never signs a report.
    "admin": frozenset({"view", "manage_permits", "administer", "two_factor"}),
}

# Endpoints anyone may reach without a session (the OpenAPI document describes the API, holds no data;
# the calendar feed is opened by the secret token in its URL, as calendar clients send no cookies).
# The second sign-in step is public: it checks the short-lived marker the password step left instead.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.two_factor_code", "auth.accept_invite", "auth.inspect", "static", "api.openapi", "schedule.feed"})

# Under this prefix a request is authenticated by its bearer token alone and answered in JSON.
API_PREFIX = "/api/v1"

# Two-factor sign-in guards the accounts that can change permits, sign reports or manage accounts
# ("two_factor" above); a viewer or lab technician is not offered it (services/two_factor.py).

# With OUTFALL_REQUIRE_TWO_FACTOR on, a manager or administrator without two-factor reaches only
# these until it is on: the set-up page and its parts, and signing out.
ENROLMENT_ENDPOINTS = frozenset({"auth.two_factor", "auth.begin_two_factor", "auth.two_factor_qr",
                                 "auth.enable_two_factor", "auth.logout"})

# Every other endpoint must be listed here; an unlisted one answers 403 to everybody, and a test
# walks the URL map so that a new view cannot ship without a rule.
ENDPOINT_PERMISSIONS: dict[str, str] = {
    "auth.logout": "view",
    "auth.profile": "view",
    "auth.change_password": "view",
    "auth.create_api_token": "view",
    "auth.revoke_api_token": "view",
    "auth.reminder_preferences": "view",
    "auth.two_factor": "two_factor",
    "auth.begin_two_factor": "two_factor",
    "auth.two_factor_qr": "two_factor",
    "auth.enable_two_factor": "two_factor",
    "auth.disable_two_factor": "two_factor",
    "dashboard.index": "view",
    "dashboard.headroom": "view",
    "permits.index": "view",
    "permits.detail": "view",
    "permits.source": "view",
    "permits.upload": "manage_permits",
    "results.index": "view",
    "results.detail": "view",
    "results.enter": "enter_results",
    "results.correct": "enter_results",
    "results.import_file": "enter_results",
    "compliance.obligations": "view",
    "compliance.record_initial": "manage_compliance",
    "compliance.record_followup": "manage_compliance",
    "compliance.new_event": "manage_compliance",
    "records.index": "view",
    "records.documents": "view",
    "records.document": "view",
    "records.download_document": "view",
    "records.upload_document": "enter_results",
    "records.dispose_document": "administer",
    "records.instruments": "view",
    "records.instrument": "view",
    "records.register_instrument": "enter_results",
    "records.record_calibration": "enter_results",
    "records.set_service": "enter_results",
    # Reporting an event creates notification obligations: the manager's act, as on the compliance pages.
    "records.report_failure": "manage_compliance",
    "records.sample_lookup": "view",
    "records.sample": "view",
    "records.add_custody": "enter_results",
    # The inspector may take the binder away: it holds nothing the viewer cannot already read.
    "records.binder": "view",
    # Inspection day: the manager hands an inspector a read-only link that expires on its own.
    "records.inspector_links": "manage_compliance",
    "records.issue_inspector_link": "manage_compliance",
    "records.revoke_inspector_link": "manage_compliance",
    "reports.index": "view",
    "reports.review": "view",
    "reports.download": "view",
    # Signing, recording the submission and declaring a NODI put words in the report: the signatory's acts.
    "reports.sign": "sign_reports",
    "reports.submit": "sign_reports",
    "reports.declare_nodi": "sign_reports",
    "admin.users": "administer",
    "admin.invite_user": "administer",
    "admin.change_role": "administer",
    "admin.set_active": "administer",
    # A lost phone: the administrator turns the person's two-factor off, with a reason (audited).
    "admin.reset_two_factor": "administer",
    "admin.audit_trail": "view",
    "search.index": "view",
    "schedule.month": "view",
    "schedule.week": "view",
    # Every user owns their own feed address: creating or revoking it changes nothing of anyone else's.
    "schedule.create_feed": "view",
    "schedule.revoke_feed": "view",
    # Sampling weekdays and holidays re-plan every permit's trips: the permit keeper's setting.
    "schedule.settings": "view",
    "schedule.save_settings": "manage_permits",
    "trends.index": "view",
    "trends.chart_svg": "view",
    "trends.data_csv": "view",
    "admin.outbox": "administer",
    "admin.retry_outbox_message": "administer",
    "api.permits": "view",
    "api.results": "view",
    "api.post_results": "enter_results",
    "api.deadlines": "view",
    "api.schedule": "view",
    "api.dmr": "view",
}


def can(user, permission: str) -> bool:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "active", False):
        return False
    return permission in ROLE_PERMISSIONS.get(user.role, frozenset())


def can_manage_permits(user) -> bool:
    return can(user, "manage_permits")


def can_administer(user) -> bool:
    return can(user, "administer")


def required_permission(endpoint: str) -> str | None:
    """The permission an endpoint needs; None for public ones. Unknown endpoints need the impossible."""
    if endpoint in PUBLIC_ENDPOINTS:
        return None
    return ENDPOINT_PERMISSIONS.get(endpoint, "__unlisted__")


def is_api_request() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def enforce_access():
    """before_request hook: a session for everything but the login page, then the role rule."""
    endpoint = request.endpoint
    if endpoint is None:  # no route matched: let Flask answer 404/405
        return None
    permission = required_permission(endpoint)
    if permission is None:
        return None
    if not current_user.is_authenticated:
        if is_api_request():
            abort(401)  # a script has no login page to be sent to
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if endpoint not in ENROLMENT_ENDPOINTS and not is_api_request() and _must_enrol(current_user):
        return redirect(url_for("auth.two_factor"))
    if not can(current_user, permission):
        abort(403)
    return None


def _must_enrol(user) -> bool:
    # An API token is unaffected (the API is skipped above): a LIMS cannot type a code.
    return must_enrol(user, current_app.config["OUTFALL_REQUIRE_TWO_FACTOR"])


def register_authz(app) -> None:
    app.before_request(enforce_access)
    app.jinja_env.globals["can"] = lambda permission: can(current_user, permission)
