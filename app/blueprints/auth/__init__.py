"""Sign-in, sign-out, invitations and the user's own profile (password, API token, two-factor)."""
from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from app.blueprints.auth import routes, two_factor  # noqa: E402,F401
