"""HTML pieces every console view shares: times in the desk's zone, promise countdowns, lists and forms."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from html import escape

from complaints.bootstrap import desk as current_desk
from complaints.web.console_text import t


def urgency(due_at: datetime | None, made_at: datetime | None, now: datetime) -> str:
    """missed, at-risk (under a fifth of the promised time left, or under an hour), or ok."""
    if due_at is None:
        return "none"
    left = due_at - now
    if left <= timedelta(0):
        return "missed"
    window = (due_at - made_at) if made_at else timedelta(hours=5)
    return "at-risk" if left < max(timedelta(hours=1), window / 5) else "ok"


def countdown(due_at: datetime | None, made_at: datetime | None, now: datetime, lang: str) -> str:
    if due_at is None:
        return "—"
    level = urgency(due_at, made_at, now)
    label = {"missed": f' <span class="flag">{t("missed", lang)}</span>',
             "at-risk": f' <span class="flag">{t("at_risk", lang)}</span>'}.get(level, "")
    return (f'<span class="due {level}" data-due="{due_at.isoformat()}">'
            f'<time datetime="{due_at.isoformat()}">{escape(local_time(due_at))}</time>'
            f' <span class="countdown" aria-live="off">{escape(_left(due_at - now))}</span>{label}</span>')


def _left(delta: timedelta) -> str:
    sign, seconds = ("-" if delta < timedelta(0) else ""), abs(int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    return f"{sign}{days}d {rest // 3600:02d}:{rest % 3600 // 60:02d}" if days else \
        f"{sign}{rest // 3600:02d}:{rest % 3600 // 60:02d}"


def local_time(moment: datetime) -> str:
    """A time as the desk reads it: its own time zone, month to minute."""
    return moment.astimezone(current_desk().base_policy.calendar.zone).strftime("%m-%d %H:%M")


def dl(pairs: Iterable[tuple[str, str]]) -> str:
    return "<dl>" + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in pairs) + "</dl>"


def field(label: str, control: str) -> str:
    return f"<label>{label} {control}</label>"


def select(name: str, options: Iterable[str], required: bool = True) -> str:
    opts = "".join(f'<option value="{escape(o)}">{escape(o)}</option>' for o in options)
    blank = "" if required else "<option></option>"
    return f'<select name="{name}"{" required" if required else ""}>{blank}{opts}</select>'


def form(action: str, path: str, title: str, fields: str, lang: str) -> str:
    return (f'<form class="action" data-action="{action}" data-api="{escape(path)}" method="post">'
            f"<fieldset><legend>{title}</legend>{fields}"
            f'<button type="submit">{t("submit", lang)}</button><output class="answer" aria-live="polite"></output>'
            f"</fieldset></form>")
