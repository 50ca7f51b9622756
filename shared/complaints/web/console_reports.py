"""The managers' reports over a period: figures, day-by-day trends, totals by key, incidents and hotspots."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from complaints.core import clock
from complaints.core.access import Operator
from complaints.core.policy import Policy
from complaints.desk.context import Desk
from complaints.reporting import reports, trends
from complaints.web import console_assessment, console_redress
from complaints.web.console_charts import Series, bars, lines
from complaints.web.console_html import local_time
from complaints.web.console_text import Names, figure, t

# Without a period chosen, the last four weeks and a bit: enough days for a trend to show.
DEFAULT_DAYS = 30


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _table(title: str, header: list[str], rows: list[list[str]], lang: str, css: str = "") -> str:
    if not rows:
        return f"<section><h2>{title}</h2><p>{t('none', lang)}</p></section>"
    head = "".join(f'<th scope="col">{h}</th>' for h in header)
    body = "".join("<tr>" + "".join(f'<td data-label="{h}">{c}</td>' for h, c in zip(header, row, strict=True))
                   + "</tr>" for row in rows)
    return (f'<section class="{css}"><h2>{title}</h2><table class="stack"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></section>")


def reports_view(desk: Desk, operator: Operator, lang: str, start: date | None, end: date | None) -> str:
    today = clock.now().astimezone(desk.policy.calendar.zone).date()
    end = end or today
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    report = reports.summary(desk, operator, start, end)  # refuses agents, as the API does
    daily = trends.trends(desk, operator, start, end)
    n = Names(desk.policy, lang)
    cards = [("received_total", str(report.received)), ("first_time_fix", _percent(report.first_time_fix_rate)),
             ("reopen_rate", _percent(report.reopen_rate)),
             ("mean_score", "—" if report.mean_score is None else f"{report.mean_score:.1f}"),
             ("satisfaction_rate", _percent(report.satisfaction.rate)),
             ("share_of_10", _percent(report.share_of_10)), ("low_share", _percent(report.low_score_share)),
             ("repeats", str(report.repeats)), ("passing_around_count", str(report.passing_around))]
    card_html = "".join(f'<div class="card" data-figure="{key}">{t(key, lang)}<b>{escape(value)}</b></div>'
                        for key, value in cards)
    card_html += _threshold(report, lang)
    promise_rows = [[n("promise", kind), str(c.kept), str(c.missed), str(c.renegotiated), _percent(c.kept_share)]
                    for kind, c in report.promises.items()]
    incident_rows = [[escape(i.incident_id), n("category", i.category), escape(i.cluster_key),
                      n("department", i.department), escape(local_time(i.opened_at)), str(i.complaints),
                      escape(local_time(i.prioritised_at)) if i.prioritised_at else "—"]
                     for i in report.open_incidents]
    hotspot_rows = [[escape(area), str(count)] for area, count in report.hotspots.items()]
    query = f"from={start.isoformat()}&amp;to={end.isoformat()}&amp;lang={lang}"
    period = (f'<form class="period" data-target="reports"><label>{t("from", lang)} '
              f'<input type="date" name="from" value="{start.isoformat()}" required></label> '
              f'<label>{t("to", lang)} <input type="date" name="to" value="{end.isoformat()}" required></label> '
              f'<button type="submit">{t("show", lang)}</button> '
              f'<a href="#" data-download="/v1/reports/summary.csv?{query}" '
              f'data-filename="complaints-{start}-{end}.csv">{t("export_csv", lang)}</a> '
              f'<a href="#" data-download="/v1/reports/trends.csv?{query}" '
              f'data-filename="complaints-days-{start}-{end}.csv">{t("export_trends", lang)}</a></form>')
    return (f'<section data-view="reports" data-from="{start.isoformat()}" data-to="{end.isoformat()}">'
            f'<h1>{t("reports", lang)}</h1>{period}<div class="cards">{card_html}</div>'
            f'{_trends(daily, n)}<div class="report-grid">'
            + bars(t("by_category", lang), [(n("category", k), v) for k, v in report.by_category.items()], lang)
            + bars(t("by_channel", lang), [(n("channel", k), v) for k, v in report.by_channel.items()], lang)
            + bars(t("by_department", lang), [(n("department", k), v) for k, v in report.by_department.items()], lang)
            + bars(t("by_area", lang), [(escape(k), v) for k, v in report.by_area.items()], lang)
            + _table(t("promises_by_kind", lang), [t("kind", lang), t("kept", lang), t("missed_count", lang),
                                                   t("renegotiated", lang), t("kept_share", lang)], promise_rows, lang)
            + bars(t("low_reasons", lang), [(n("low_reason", k), v) for k, v in report.low_score_reasons.items()],
                   lang)
            + _table(t("open_incidents", lang), [t("incident", lang), t("category", lang), t("area", lang),
                                                 t("department", lang), t("opened", lang), t("count", lang),
                                                 t("prioritised", lang)],
                     incident_rows, lang)
            + _table(_hotspot_title(desk.policy, lang), [_hotspot_dimension(desk.policy, n), t("count", lang)],
                     hotspot_rows, lang, css="hotspots")
            + "</div>" + console_redress.report_sections(desk, operator, report, start, end, n)
            + console_assessment.section(desk, operator, start, end, n) + "</section>")


def _threshold(report: reports.SummaryReport, lang: str) -> str:
    """The profile's rule the satisfaction rate follows, and how the answers came."""
    found = report.satisfaction
    rule = (f"满意率：{found.satisfied_from} 分及以上为满意（{found.satisfied}/{found.scored}）" if lang == "zh-CN"
            else f"Satisfaction rate: a score of {found.satisfied_from} or more is satisfied "
                 f"({found.satisfied}/{found.scored})")
    channels = "; ".join(f"{t('survey_' + k, lang)} {v}" for k, v in found.by_channel.items())
    return (f'<p class="threshold" data-satisfied-from="{found.satisfied_from}">{escape(rule)}'
            + (f" · {escape(channels)}" if channels else "") + "</p>")


def _trends(report: trends.TrendReport, n: Names) -> str:
    lang = n.lang
    days = [d.day for d in report.days]

    def series(key: str) -> Series:
        return Series(key, escape(figure(key, lang)), [getattr(d, key) for d in report.days])

    kept = [Series(f"kept_share:{kind}", n("promise", kind),
                   [d.promises[kind].kept_share if kind in d.promises else None for d in report.days])
            for kind in report.promise_kinds]
    charts = [
        lines("trend-volume", t("received_and_closed", lang), days, [series("received"), series("closed")], lang),
        lines("trend-backlog", t("backlog", lang), days, [series("backlog")], lang),
        lines("trend-promises", t("kept_share_by_kind", lang), days, kept, lang, percent=True),
        lines("trend-score", t("mean_score", lang), days, [series("mean_score")], lang, top=10),
        lines("trend-tens", t("share_of_10", lang), days, [series("share_of_10")], lang, percent=True),
        lines("trend-reopens", t("reopens", lang), days, [series("reopened")], lang),
    ]
    return (f'<section class="trends" aria-labelledby="trends-title"><h2 id="trends-title">{t("trends", lang)}</h2>'
            f'<div class="trend-grid">{"".join(charts)}</div></section>')


def _hotspot_title(policy: Policy, lang: str) -> str:
    """The profile's name for its hotspots (unresolved coverage complaints by area, leaks by building), else ours."""
    own = policy.hotspots.title.get(lang) if policy.hotspots else None
    return escape(own) if own else t("hotspots", lang)


def _hotspot_dimension(policy: Policy, n: Names) -> str:
    """What the hotspots are counted by, as the desk names that location field (an area, a building, a ward)."""
    return n("location", policy.hotspots.dimension if policy.hotspots else "area")
