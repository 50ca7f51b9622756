"""HTML pieces every console view shares: times in the desk's zone, promise countdowns, lists, forms, errors."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from html import escape

from complaints.bootstrap import desk as current_desk
from complaints.core.errors import ComplaintError
from complaints.reporting.board import urgency
from complaints.web.console_text import t

__all__ = ["countdown", "dl", "error_page", "field", "form", "local_time", "select", "urgency"]


def countdown(due_at: datetime | None, made_at: datetime | None, now: datetime, lang: str,
              level: str | None = None) -> str:
    """The due time, the time left (kept up to date by the shell) and, when it is close or past, a flag."""
    if due_at is None:
        return "—"
    level = level or urgency(due_at, made_at, now)
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


def select(name: str, options: Iterable[tuple[str, str]], required: bool = True) -> str:
    """A choice of stored keys, each shown by its name (the names come escaped)."""
    opts = "".join(f'<option value="{escape(value)}">{shown}</option>' for value, shown in options)
    blank = "" if required else '<option value="">—</option>'
    return f'<select name="{name}"{" required" if required else ""}>{blank}{opts}</select>'


def form(action: str, path: str, title: str, fields: str, lang: str, *, moves_workflow: bool = True,
         data: dict[str, str] | None = None) -> str:
    """An action posted to the operators' API with the operator's token (no cookie, so no other site can send it);
    one that does not move the workflow has the page drawn again at once. `data` names what the form acts on."""
    extra = "" if moves_workflow else ' data-redraw="now"'
    extra += "".join(f' data-{key}="{escape(value)}"' for key, value in (data or {}).items())
    return (f'<form class="action" data-action="{action}" data-api="{escape(path)}" method="post"{extra}>'
            f"<fieldset><legend>{title}</legend>{fields}"
            f'<button type="submit">{t("submit", lang)}</button><output class="answer" aria-live="polite"></output>'
            f"</fieldset></form>")


def error_page(exc: ComplaintError, lang: str) -> str:
    """A refusal in the desk's language: what kind of refusal, then the reason, escaped."""
    status = exc.status_code
    title = t(f"error_{status}", lang) if status in (400, 401, 403, 404, 409) else \
        t("error_500", lang) if status >= 500 else t("error", lang)
    return (f'<section class="error-page" data-view="error" data-status="{status}" role="alert">'
            f'<h1>{escape(title)}</h1><p class="error">{escape(str(exc))}</p>'
            f'<p><a href="#/queue">{t("queue", lang)}</a></p></section>')
