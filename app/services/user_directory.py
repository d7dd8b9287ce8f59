"""Accounts as the pages show them: the administrator's list, and who did what by user id."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.user import User


def all_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.active.desc(), User.email)))


def users_by_id(session: Session, ids: set[int | None]) -> dict[int, User]:
    """The accounts behind these ids (None and unknown ids are left out), in one query."""
    wanted = {i for i in ids if i}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))} if wanted else {}


def who(users: dict[int, User], user_id: int | None, nobody: str = "no named user") -> str:
    user = users.get(user_id) if user_id else None
    return f"{user.name} ({user.email})" if user else nobody
