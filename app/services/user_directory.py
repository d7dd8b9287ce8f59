"""Listing accounts for the administrator."""
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.user import User


def all_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.active.desc(), User.email)))
