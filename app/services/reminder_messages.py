"""The words of reminder e-mails: subject, plain-text and HTML bodies with absolute links."""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from app.domain.reminder_rules import Digest, Occasion, Reminder

PROFILE_PATH = "/auth/profile"
DASHBOARD_PATH = "/"


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body_text: str
    body_html: str


def absolute(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def _footer_text(base_url: str) -> str:
    return ("-- \nOutfall reminders. Choose which reminders you get, or one daily summary instead: "
            f"{absolute(base_url, PROFILE_PATH)}\n")


def _footer_html(base_url: str) -> str:
    url = escape(absolute(base_url, PROFILE_PATH))
    return (f'<p style="color:#666;font-size:small">Outfall reminders. <a href="{url}">Choose which reminders '
            "you get</a>, or one daily summary instead.</p>")


def _html_page(title: str, content: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
            f"<body>{content}</body></html>\n")


def render_reminder(reminder: Reminder, base_url: str) -> RenderedMessage:
    occasion = reminder.occasion
    link = absolute(base_url, occasion.link)
    text = (f"Hello {reminder.name},\n\n{occasion.subject}\n\n"
            + "".join(f"  {line}\n" for line in occasion.details)
            + f"\nOpen in Outfall: {link}\n\n" + _footer_text(base_url))
    html = _html_page(occasion.subject, (
        f"<p>Hello {escape(reminder.name)},</p><p><strong>{escape(occasion.subject)}</strong></p>"
        "<ul>" + "".join(f"<li>{escape(line)}</li>" for line in occasion.details) + "</ul>"
        f'<p><a href="{escape(link)}">Open in Outfall</a></p>' + _footer_html(base_url)))
    return RenderedMessage(occasion.subject, text, html)


def _item_text(occasion: Occasion, base_url: str) -> str:
    return f"- {occasion.subject}\n    {absolute(base_url, occasion.link)}\n"


def _item_html(occasion: Occasion, base_url: str) -> str:
    return (f'<li><a href="{escape(absolute(base_url, occasion.link))}">{escape(occasion.subject)}</a>'
            f"<br><small>{escape('; '.join(occasion.details))}</small></li>")


def render_digest(digest: Digest, base_url: str) -> RenderedMessage:
    count = len(digest.items)
    subject = f"Outfall daily summary for {digest.day.isoformat()}: {count} reminder{'s' if count != 1 else ''}"
    dashboard = absolute(base_url, DASHBOARD_PATH)
    text = (f"Hello {digest.name},\n\nWhat needs attention since the last summary:\n\n"
            + "".join(_item_text(o, base_url) for o in digest.items)
            + f"\nDashboard: {dashboard}\n\n" + _footer_text(base_url))
    html = _html_page(subject, (
        f"<p>Hello {escape(digest.name)},</p><p>What needs attention since the last summary:</p>"
        "<ul>" + "".join(_item_html(o, base_url) for o in digest.items) + "</ul>"
        f'<p><a href="{escape(dashboard)}">Dashboard</a></p>' + _footer_html(base_url)))
    return RenderedMessage(subject, text, html)
