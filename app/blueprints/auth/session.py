"""How a browser session maps back to a user (Flask-Login's loader)."""
from app.extensions import db
from app.models.base import utcnow
from app.models.user import User
from app.services.users import access_expired


def load_user(session_id: str):
    # The id carries the account's session generation; a password change or deactivation bumps
    # it, and every older session stops matching here.
    try:
        user_id, generation = (int(part) for part in session_id.split(":", 1))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.session_generation != generation:
        return None
    if access_expired(user, utcnow()):  # an inspector link's session ends with the link
        return None
    return user
