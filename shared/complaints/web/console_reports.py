"""The managers' reports over a period, as cards, bar charts and tables."""

from __future__ import annotations

from datetime import date
from html import escape

from complaints.core import clock
from complaints.core.access import Operator
from complaints.desk.context import Desk
from complaints.reporting import reports
from complaints.web.console_html import local_time
from complaints.web.console_text import t


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _bars(title: str, values: dict[str, int], lang: str, limit: int = 12) -> str:
    if not values:
        return f"<section><h2>{title}</h2><p>{t('none', lang)}</p></section>"
    top = max(values.values())
    rows = "".join(
        f'<div class="bar"><span class="label">{escape(k)}</span>'
        f'<svg class="track" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">'
        f'<rect class="fill" width="{100 * v / top:.1f}" height="10"/></svg>'
        f'<span class="value">{v}</span></div>'
        for k, v in list(values.items())[:limit])
    return f'<section class="chart"><h2>{title}</h2><div class="bars" role="list">{rows}</div></section>'


def _table(title: str, header: list[str], rows: list[list[str]], lang: str, css: str = "") -> str:
    if not rows:
        return f"<section><h2>{title}</h2><p>{t('none', lang)}</p></section>"
    head = "".join(f'<th scope="col">{h}</th>' for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (f'<section class="{css}"><h2>{title}</h2><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></section>")


def reports_view(desk: Desk, operator: Operator, lang: str, start: date | None, end: date | None) -> str:
    today = clock.now().astimezone(desk.policy.calendar.zone).date()
    end = end or today
    start = start or end.replace(day=1)
    report = reports.summary(desk, operator, start, end)
    cards = [("received_total", str(report.received)), ("first_time_fix", _percent(report.first_time_fix_rate)),
             ("reopen_rate", _percent(report.reopen_rate)),
             ("mean_score", "—" if report.mean_score is None else f"{report.mean_score:.1f}"),
             ("share_of_10", _percent(report.share_of_10)), ("low_share", _percent(report.low_score_share)),
             ("repeats", str(report.repeats)), ("passing_around_count", str(report.passing_around))]
    card_html = "".join(f'<div class="card" data-figure="{key}">{t(key, lang)}<b>{escape(value)}</b></div>'
                        for key, value in cards)
    promise_rows = [[escape(kind), str(c.kept), str(c.missed), str(c.renegotiated), _percent(c.kept_share)]
                    for kind, c in report.promises.items()]
    incident_rows = [[escape(i.incident_id), escape(i.category), escape(i.cluster_key), escape(i.department),
                      escape(local_time(i.opened_at)), str(i.complaints),
                      escape(local_time(i.prioritised_at)) if i.prioritised_at else "—"]
                     for i in report.open_incidents]
    hotspot_rows = [[escape(area), str(count)] for area, count in report.hotspots.items()]
    query = f"from={start.isoformat()}&amp;to={end.isoformat()}"
    period = (f'<form class="period" data-target="reports"><label>{t("from", lang)} '
              f'<input type="date" name="from" value="{start.isoformat()}" required></label> '
              f'<label>{t("to", lang)} <input type="date" name="to" value="{end.isoformat()}" required></label> '
              f'<button type="submit">{t("show", lang)}</button> '
              f'<a href="#" data-download="/v1/reports/summary.csv?{query}" '
              f'data-filename="complaints-{start}-{end}.csv">{t("export_csv", lang)}</a></form>')
    return (f'<section data-view="reports" data-from="{start.isoformat()}" data-to="{end.isoformat()}">'
            f'<h1>{t("reports", lang)}</h1>{period}<div class="cards">{card_html}</div>'
            f'<div class="report-grid">'
            + _bars(t("by_category", lang), report.by_category, lang)
            + _bars(t("by_channel", lang), report.by_channel, lang)
            + _bars(t("by_department", lang), report.by_department, lang)
            + _bars(t("by_area", lang), report.by_area, lang)
            + _table(t("promises_by_kind", lang), [t("kind", lang), t("kept", lang), t("missed_count", lang),
                                                   t("renegotiated", lang), t("kept_share", lang)], promise_rows, lang)
            + _bars(t("low_reasons", lang), report.low_score_reasons, lang)
            + _table(t("open_incidents", lang), [t("incident", lang), t("category", lang), t("area", lang),
                                                 t("department", lang), t("opened", lang), t("count", lang),
                                                 t("prioritised", lang)],
                     incident_rows, lang)
            + _table(t("hotspots", lang), [t("area", lang), t("count", lang)], hotspot_rows, lang, css="hotspots")
            + "</div></section>")
