"""The console's words, in Chinese and English, how a view picks its language, and the desk's names for keys.

The console's own words (headings, buttons) are here; what a stored key is
called (a category, a department, a promise kind) is the desk's, from its
policy profile (core/labels.py), read through :class:`Names`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from complaints.core.labels import LabelKind
from complaints.core.policy import Policy

LANGUAGES = ("zh-CN", "en")

_TEXT: dict[str, tuple[str, str]] = {
    "queue": ("工单队列", "Queue"),
    "mine": ("我的工单", "My complaints"),
    "department": ("部门", "Department"),
    "complaint": ("投诉", "Complaint"),
    "category": ("类别", "Category"),
    "priority": ("优先级", "Priority"),
    "status": ("状态", "Status"),
    "awaiting": ("等待", "Awaiting"),
    "owner": ("处理人", "Owner"),
    "next_promise": ("下一承诺时限", "Next promise"),
    "received": ("受理时间", "Received"),
    "channel": ("渠道", "Channel"),
    "empty": ("没有待处理的投诉", "Nothing open here"),
    "customer": ("客户", "Customer"),
    "name": ("姓名", "Name"),
    "phone": ("电话", "Phone"),
    "vip": ("VIP", "VIP"),
    "service": ("业务", "Service"),
    "area": ("区域", "Area"),
    "coordinates": ("坐标", "Coordinates"),
    "text": ("投诉内容", "What the customer said"),
    "classification": ("分类", "Classification"),
    "nature": ("性质", "Nature"),
    "confidence": ("置信度", "Confidence"),
    "evidence": ("依据", "Evidence"),
    "alternatives": ("其他可能", "Alternatives"),
    "ownership": ("处理人与转派", "Owner and transfers"),
    "previous_owners": ("曾经的处理人", "Previous owners"),
    "transfers": ("转派次数", "Transfers"),
    "passing_around": ("多次转派", "Passed around"),
    "promises": ("承诺时限", "Promises"),
    "kind": ("类型", "Kind"),
    "due": ("时限", "Due"),
    "state": ("状态", "State"),
    "reason": ("原因", "Reason"),
    "timeline": ("处理记录", "Timeline"),
    "workflow": ("流程", "Workflow"),
    "actions": ("操作", "Actions"),
    "accept": ("接单", "Accept"),
    "resolve": ("回单", "Resolve"),
    "outcome": ("结果", "Outcome"),
    "root_cause": ("根因", "Root cause"),
    "what_was_done": ("处理措施", "What was done"),
    "plan": ("计划（延期解决）", "Plan (deferred)"),
    "expected_by": ("预计完成（延期解决）", "Expected by (deferred)"),
    "callback": ("回访结果", "Callback"),
    "note": ("备注", "Note"),
    "transfer": ("转派", "Transfer"),
    "to_department": ("转至部门", "To department"),
    "to_agent": ("或转至坐席", "Or to agent"),
    "extend": ("延长承诺", "Extend a promise"),
    "new_due": ("新时限", "New due time"),
    "submit": ("提交", "Submit"),
    "none_now": ("此刻没有需要您处理的操作", "Nothing for you to do at this step"),
    "missed": ("已超时", "missed"),
    "at_risk": ("即将超时", "at risk"),
    "workflow_missing": ("流程记录不可用", "The workflow's history is not available"),
    "executions": ("执行记录", "Executions"),
    "latest": ("最新", "latest"),
    "started_by_intake": ("受理时启动", "started at intake"),
    "started_by_appeal": ("申诉时启动", "started by an appeal"),
    "started_by_redrive": ("重新驱动", "redriven"),
    "started_by_reopen": ("回访复核重开时启动", "started by a review that reopened it"),
    "started_by_fix_landed": ("跟踪单修复落地时启动", "started when the tracking ticket's fix landed"),
    "sensitive": ("敏感渠道", "Sensitive channel"),
    "repeat_of": ("重复投诉，前次", "Repeat of"),
    "incident": ("关联故障", "Incident"),
    "resolution": ("处理结果", "Resolution"),
    "survey": ("满意度", "Survey"),
    "reports": ("报表", "Reports"),
    "from": ("从", "From"),
    "to": ("到", "To"),
    "show": ("查看", "Show"),
    "export_csv": ("导出 CSV", "Export CSV"),
    "received_total": ("受理量", "Received"),
    "first_time_fix": ("一次解决率", "First-time fix"),
    "reopen_rate": ("重开率", "Reopen rate"),
    "mean_score": ("平均满意度", "Mean score"),
    "share_of_10": ("10分占比", "Share of 10s"),
    "low_share": ("低分占比", "Low scores"),
    "repeats": ("重复投诉", "Repeat complaints"),
    "passing_around_count": ("多次转派", "Passed around"),
    "by_category": ("按类别", "By category"),
    "by_channel": ("按渠道", "By channel"),
    "by_department": ("按部门", "By department"),
    "by_area": ("按区域", "By area"),
    "promises_by_kind": ("承诺履约", "Promises kept and missed"),
    "kept": ("履约", "Kept"),
    "missed_count": ("超时", "Missed"),
    "renegotiated": ("改约", "Renegotiated"),
    "kept_share": ("履约率", "Kept share"),
    "low_reasons": ("低分原因", "Why scores were low"),
    "open_incidents": ("进行中的故障", "Open incidents"),
    "hotspots": ("未解决投诉热点", "Unresolved complaints by place"),
    "count": ("数量", "Count"),
    "opened": ("开始时间", "Opened"),
    "prioritised": ("已升级处理", "Prioritised"),
    "none": ("无", "None"),
    # the complaint page
    "by": ("经办", "By"),
    "at": ("时间", "At"),
    "plan_label": ("计划", "Plan"),
    "expected": ("预计完成", "Expected by"),
    "score": ("评分", "Score"),
    "no_answer": ("未回复", "No answer"),
    "review": ("复核", "Review"),
    "quality_check": ("质检", "Quality check"),
    "passed": ("通过", "Passed"),
    "returned": ("退回", "Returned"),
    "tracking": ("跟踪单", "Tracking ticket"),
    "follow_ups": ("跟进次数", "Follow-ups"),
    "landed": ("已完成", "Landed"),
    "appeal": ("申诉", "Appeal"),
    "failure": ("流程故障", "Workflow failure"),
    "system": ("系统", "the system"),
    "the_customer": ("客户", "the customer"),
    "portal": ("接口", "portal"),
    "yes": ("是", "Yes"),
    "no": ("否", "No"),
    "run_running": ("运行中", "running"),
    "run_succeeded": ("已完成", "finished"),
    "run_failed": ("失败", "failed"),
    "run_timed_out": ("超时", "timed out"),
    "run_aborted": ("已中止", "stopped"),
    "run_pending_redrive": ("待重新驱动", "waiting for a redrive"),
    "rating_attitude": ("服务态度", "Attitude"),
    "rating_speed": ("处理速度", "Speed"),
    "rating_result": ("处理结果", "Result"),
    "assign": ("指派处理人", "Assign an owner"),
    "reopen_it": ("重新处理", "Handle it again"),
    "choose": ("请选择", "Choose"),
    # the board
    "board": ("班组看板", "Board"),
    "at_risk_promises": ("即将超时与已超时的承诺", "Promises at risk and missed"),
    "unassigned": ("待派单", "Unassigned"),
    "failed_workflows": ("流程故障", "Failed workflows"),
    "load": ("处理人负荷", "Agents' load"),
    "agent": ("处理人", "Agent"),
    "open_work": ("在办", "Open"),
    "capacity": ("上限", "Capacity"),
    "missed_acceptances": ("超时未接单", "Missed acceptances"),
    "redrive_hint": ("重新驱动：流程从投诉当前所处的环节继续，已发给客户的消息不会重发。",
                     "Redrive: the workflow goes on from the step the complaint stands at; messages the customer "
                     "already had are not sent again."),
    "redrive": ("重新驱动", "Redrive"),
    "refreshed": ("每分钟自动刷新，最近一次", "Refreshes every minute; last at"),
    "more_not_shown": ("另有未显示", "more not shown"),
    "level": ("程度", "Level"),
    # search
    "search": ("查找", "Search"),
    "search_hint": ("投诉编号、外部编号或客户电话", "Complaint id, portal reference or the customer's phone"),
    "search_results": ("查找结果", "Results"),
    "found_by": ("按", "Found by"),
    "by_id": ("投诉编号", "complaint id"),
    "by_external": ("外部编号", "portal reference"),
    "by_phone": ("客户电话", "customer's phone"),
    "nothing_found": ("没有找到您可查看的投诉", "No complaint you may see matches"),
    # trends
    "trends": ("每日趋势", "Day by day"),
    "received_and_closed": ("受理与结案", "Received and closed"),
    "closed_total": ("结案", "Closed"),
    "backlog": ("未结案存量", "Open backlog"),
    "kept_share_by_kind": ("承诺履约率（按类型）", "Share of promises kept, by kind"),
    "satisfaction": ("满意度", "Satisfaction"),
    "reopens": ("重新处理", "Reopens"),
    "day": ("日期", "Day"),
    "export_trends": ("导出每日数据 CSV", "Export the days as CSV"),
    "chart_table": ("数据表", "The numbers"),
    # the figures' names (reports, trends, CSV)
    "closed_confirmed": ("确认结案", "Closed, confirmed"),
    "closed_unconfirmed": ("未确认结案", "Closed, not confirmed"),
    "first_time_fix_rate": ("一次解决率", "First-time fix"),
    "reopened": ("重新处理", "Reopened"),
    "repeat_share": ("重复投诉占比", "Share of repeats"),
    "surveyed": ("参评数", "Surveys answered"),
    "low_score_share": ("低分占比", "Low scores"),
    "satisfied_from": ("满意标准（分及以上）", "Satisfied from (score)"),
    "satisfied": ("满意数", "Satisfied"),
    "satisfaction_rate": ("满意率", "Satisfaction rate"),
    "survey_sms_unmatched": ("未匹配的短信回复", "SMS replies that matched no survey"),
    "survey_web": ("链接评价", "On the link"), "survey_phone": ("电话回访", "By phone"),
    "survey_sms": ("短信回复", "By SMS reply"),
    "appeals": ("申诉", "Appeals"),
    "authority_reports": ("报告监管部门的延期", "Extensions reported to the authority"),
    "incident_raised": ("因故障超时升级的投诉", "Complaints raised by a long outage"),
    "disputes_opened": ("纠纷立案", "Disputes opened"),
    "disputes_settled": ("纠纷已和解", "Disputes settled"),
    "disputes_compensated": ("赔偿结案", "Settled with compensation"),
    "compensation_paid": ("赔偿金额", "Compensation paid"),
    "period": ("统计期", "Period"),
    "total": ("合计", "Total"),
    "kept_share_of": ("履约率", "kept share"),
    "kept_of": ("履约", "kept"),
    "missed_of": ("超时", "missed"),
    # errors
    "error": ("无法显示", "Cannot show this"),
    "error_401": ("请重新登录", "Please sign in again"),
    "error_403": ("您无权查看", "You may not see this"),
    "error_404": ("没有找到", "Not found"),
    "error_400": ("请求有误", "The request is not right"),
    "error_409": ("有冲突", "Conflict"),
    "error_500": ("服务暂时出错", "Something went wrong on our side"),
}


def t(key: str, lang: str) -> str:
    zh, en = _TEXT[key]
    return zh if lang == "zh-CN" else en


@dataclass(frozen=True)
class Names:
    """The desk's names for stored keys in one language, escaped for HTML."""

    policy: Policy
    lang: str

    def __call__(self, kind: LabelKind, key: object) -> str:
        return escape(self.policy.label(kind, None if key is None else str(key), self.lang))

    def agent(self, agent_id: str | None) -> str:
        """An agent as people know them: the name, and the id they sign in with."""
        if not agent_id:
            return "—"
        known = self.policy.agent(agent_id)
        return escape(f"{known.name} ({agent_id})" if known else agent_id)


def language(requested: str | None, accept: str | None) -> str:
    if requested in LANGUAGES:
        return str(requested)
    return "en" if (accept or "").lower().startswith("en") else "zh-CN"


# The CSV's sections whose items are stored keys of a kind.
_KEYED_SECTIONS: dict[str, LabelKind] = {"channel": "channel", "category": "category", "department": "department",
                                         "low_score_reason": "low_reason", "returned": "department",
                                         "return_reason": "return_reason", "reply": "reply"}
def figure(key: str, lang: str) -> str:
    """A report figure's name: received, reopen_rate, share_of_10 ..."""
    return t({"closed": "closed_total", "received": "received_total"}.get(key, key), lang)


def summary_name(policy: Policy, lang: str) -> Callable[[str, str], str]:
    """What the desk calls each row of the summary CSV (section, item), in the language (not escaped: CSV)."""
    def name(section: str, item: str) -> str:
        if section in _KEYED_SECTIONS:
            return policy.label(_KEYED_SECTIONS[section], item, lang)
        if section.startswith("promise:"):
            return (f"{policy.label('promise', section.split(':', 1)[1], lang)} · "
                    f"{policy.label('promise_state', item, lang)}")
        if section.startswith("redress:"):  # count, or amount_CNY
            what = t("count", lang) if item == "count" else item.rsplit("_", 1)[-1]
            return f"{policy.label('redress', section.split(':', 1)[1], lang)} · {what}"
        if section in ("outcome", "satisfaction"):
            return figure(item, lang)
        if section == "received":
            return t("received_total", lang)
        if section == "score":
            return f"{item}分" if lang == "zh-CN" else f"score {item}"
        if section == "survey_channel":
            return t(f"survey_{item}", lang)
        if section == "period":
            return t(item, lang)
        if section == "open_incident":
            return t("incident", lang)
        return item  # areas and incidents are the desk's own data

    return name


def series_name(policy: Policy, lang: str) -> Callable[[str], str]:
    """What the desk calls each series of the trends CSV: received, backlog, kept:first_reply ..."""
    def name(series: str) -> str:
        measure, _, kind = series.partition(":")
        if kind:
            return f"{policy.label('promise', kind, lang)} · {t(measure + '_of', lang)}"
        return figure(series, lang)

    return name
