"""The demo: realistic complaints driven through the whole lifecycle on the local stack.

The operators' and customers' parts are played through the HTTP API, the
clock is moved forward where the story needs days to pass, and every
complaint's timeline and outcome is printed at the end.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rich.table import Table

from complaints.core.policy import load_policy
from infra.cli.client import DeskClient
from infra.cli.render import console, summary_table, timeline_table
from infra.cli.times import Times
from infra.local import scenarios
from infra.local.receiver import PortalReceiver
from infra.local.stack import LocalStack

HOUR = 3600


@dataclass
class Story:
    title: str
    body: dict[str, Any]
    expected: str


STORIES = [
    Story("Weak signal at home, dropped calls (coverage)", {
        "channel": "hotline", "external_id": "CTI-20261122-0001", "service": "mobile_voice",
        "customer": {"name": "张伟", "phone": "13812345678", "account": "1381234****", "vip": False},
        "text": "我家里信号弱，打电话经常掉话，已经一个多月了，晚上尤其严重。",
        "location": {"address": "海淀区学院路32号3号楼", "area": "haidian-xueyuan", "cell_id": "BJ-HD-4412"},
        "occurred": {"since": "2026-10-15", "frequency": "every evening"},
        "device": {"model": "Mate 60", "network": "5G"},
    }, "closed, rated 10"),
    Story("Broadband keeps dropping (reopened once)", {
        "channel": "app", "external_id": "APP-88121", "service": "broadband",
        "customer": {"name": "李娜", "phone": "+8613900001111", "account": "BB-0010-2231"},
        "text": "家里宽带每天晚上断网好几次，光猫灯一直闪，报修后还是老样子。",
        "location": {"address": "朝阳区望京街道阜通东大街6号", "area": "chaoyang-wangjing"},
    }, "reopened, then closed"),
    Story("Charged without consent, escalated via 12315 (low score, supervisor review)", {
        "channel": "consumer_hotline", "external_id": "12315-2026-55012", "service": "billing",
        "customer": {"name": "王芳", "phone": "13600002222", "account": "1360000****", "vip": True},
        "text": "没有订购任何增值业务却被乱扣费30元，要求退费，否则我要向工信部投诉并找媒体曝光。",
        "location": {"area": "dongcheng"},
    }, "checked, closed, rated 4, recovered"),
    Story("Rude agent; first owner never accepted, handed over; survey unanswered", {
        "channel": "web", "external_id": "WEB-4471", "service": "service",
        "language": "en",
        "customer": {"name": "Chen Jie", "phone": "13700003333"},
        "text": "The hall agent was rude and hung up on me when I asked about my bill.",
    }, "handed over, checked, closed, no survey"),
    Story("No coverage in a village: a new base station is planned (tracking ticket)", {
        "channel": "gov_hotline", "external_id": "12345-2026-88410", "service": "mobile_voice",
        "customer": {"name": "赵强", "phone": "13500004444"},
        "text": "我们村一直没有信号，打电话要跑到村口，希望尽快建基站。",
        "location": {"address": "密云区石城镇黄土梁村", "area": "miyun-shicheng"},
    }, "tracked, ceiling extended with the authority's report, fix landed, confirmed by link"),
]
ROOT_CAUSES = ["antenna_tilt", "onu_fault", "wrong_charge", "staff_attitude", "coverage_gap"]


OUTAGE_TEXTS = [
    "从下午三点开始手机突然没有信号了，电话打不出去",
    "我们小区现在全都没信号，家里老人联系不上",
    "突然没信号了，重启手机也没用，附近邻居也一样没信号",
    "No signal on my phone since 3pm around Wangjing SOHO, everyone in the office has no signal",
    "手机突然一格信号都没有，微信也发不出去",
    "刚才开始没有信号，打10086都打不通",
]


def _incident_of(client: DeskClient, complaints: list[str], timeout: float = 120.0) -> str:
    """The incident the outage's complaints were linked to, once the complaint that opened it has linked them all.

    Their classifications run at the same time: whichever reaches the threshold opens the incident and links
    the others, possibly after they already wait for their owners (or, sent to triage, for the dispatcher).
    """
    deadline = time.monotonic() + timeout
    while True:
        views = [client.wait_for(cid, "mgr-qian", awaiting=("acceptance", "assignment")) for cid in complaints]
        linked = {view.get("incident_id") for view in views}
        if len(linked) == 1 and None not in linked:
            return str(linked.pop())
        if time.monotonic() > deadline:
            raise TimeoutError(f"the outage's complaints were not linked to one incident: {linked}")
        time.sleep(0.2)


def _outage(n: int, text: str) -> dict[str, Any]:
    return {"channel": "hotline", "external_id": f"CTI-OUTAGE-{n:02d}", "service": "mobile_voice",
            "customer": {"name": f"用户{n}", "phone": f"1360123{n:04d}"}, "text": text,
            "location": {"area": "chaoyang-wangjing", "cell_id": "BJ-CY-7781"}}


def _resolve(client: DeskClient, cid: str, owner: str, report: dict[str, Any]) -> None:
    """A report the policy sends to a quality check (质检) is checked by the manager before the call."""
    if scenarios.resolve(client, cid, owner, report, checked_by="mgr-qian"):
        console.print(f"{cid}: quality check passed by mgr-qian")


def _staged_reply(client: DeskClient, cid: str, owner: str) -> None:
    """The owner calls the customer on how it is being handled and promises the next answer (阶段回复)."""
    client.to_daytime()
    next_at = (client.now() + timedelta(days=1)).isoformat()  # this time tomorrow, outside quiet hours
    client.act(cid, "replies", owner, {"kind": "call", "summary": "explained the drive test planned for tomorrow",
                                       "next_reply_at": next_at})
    console.print(f"{cid}: staged reply by call; the next answer promised in writing for {next_at[:16]}")


def _visit(client: DeskClient, cid: str, owner: str) -> None:
    """A repair visit booked at an exact window within 30 minutes of acceptance, and the technician on time."""
    start = client.now().astimezone(ZoneInfo("Asia/Shanghai")) + timedelta(hours=2)
    if load_policy(client.policy_profile).quiet.is_quiet(start):
        start = start.replace(hour=15, minute=0, second=0, microsecond=0)
    window = {"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()}
    client.act(cid, "appointments", owner, window)
    console.print(f"{cid}: visit booked for {window['start'][:16]} to {window['end'][11:16]}; the customer is "
                  "reminded before it")
    client.advance_clock(max(0.0, (start - client.now()).total_seconds()) + 600)
    client.act(cid, "arrival", owner, {})
    # Said to the customer on site, the day the complaint came in: that clears it the same day (当日清).
    client.act(cid, "replies", owner, {"kind": "visit", "summary": "replaced the modem's power adapter; the line "
                                                                   "is watched tonight"})
    console.print(f"{cid}: the technician arrived within the window and told the customer what was done")


def _work(client: DeskClient, cid: str, root_cause: str, *, reopen: bool = False, hours: int = 20,
          reply: bool = False, visit: bool = False) -> str:
    """Accept, work `hours` on it, report it fixed, and have the customer confirm (after a reopen, if asked)."""
    owner = scenarios.accept(client, cid)
    if reply:
        _staged_reply(client, cid, owner)
    if visit:
        _visit(client, cid, owner)
    client.advance_clock(hours * HOUR)
    _resolve(client, cid, owner, {"outcome": "resolved", "root_cause": root_cause,
                                  "actions": "found the cause on site and fixed it",
                                  "evidence": "measured after the fix; customer's line tested"})
    client.to_daytime()  # customers are not called in quiet hours
    if reopen:
        client.act(cid, "callbacks", owner, {"outcome": "unreachable"})
        client.advance_clock(3 * HOUR)
        client.to_daytime()
        client.act(cid, "callbacks", owner, {"outcome": "not_fixed", "note": "still drops every evening"})
        client.wait_for(cid, owner, awaiting="resolution")
        client.advance_clock(24 * HOUR)
        _resolve(client, cid, owner, {"outcome": "resolved", "root_cause": "onu_fault",
                                      "actions": "replaced the ONU and re-spliced the drop fibre"})
        client.to_daytime()
    scenarios.confirm_fixed(client, cid, owner, "customer confirms it works")
    return owner


def _tracking(stack: LocalStack, client: DeskClient, cid: str) -> None:
    """Deferred to a new base station: followed up weekly until it lands, then the customer confirms by link."""
    owner = scenarios.accept(client, cid)
    expected = (client.now() + timedelta(days=40)).date().isoformat()
    client.act(cid, "resolve", owner, {"outcome": "deferred", "root_cause": "coverage_gap",
                                       "actions": "drive test: no usable signal in the village",
                                       "plan": "new base station MY-SC-0921 in the 2027 Q1 build plan",
                                       "expected_by": expected})
    if scenarios.pass_quality_check(client, cid, owner):
        console.print(f"{cid}: quality check passed by mgr-qian")
    client.wait_for(cid, owner, awaiting="tracking", status="tracking")
    console.print(f"{cid}: tracking ticket, fix planned by {expected}; the customer was told the plan "
                  "(the regulator's ceiling of 15 working days does not stop for it)")
    client.advance_clock(8 * 24 * HOUR)
    client.tick()
    client.act(cid, "follow-ups", owner, {"note": "site acquired; equipment ordered"})
    ceiling = next(p for p in client.show(cid, owner)["promises"]
                   if p["kind"] == "regulator_ceiling" and p["state"] == "pending")
    later = (datetime.fromisoformat(ceiling["due_at"].replace("Z", "+00:00")) + timedelta(days=45)).isoformat()
    client.act(cid, "promises/regulator_ceiling/extend", owner, {
        "due_at": later, "reason": "the fix is a new base station", "authority": "北京市通信管理局",
        "authority_reference": "BJCA-2026-1187",
        "explanation": "需要新建基站，预计明年一季度开通，期间我们每周跟进并告知您进展"})
    console.print(f"{cid}: the 15-working-day ceiling extended, explained to the customer and reported to the "
                  "authority (BJCA-2026-1187)")
    client.advance_clock(30 * 24 * HOUR)
    scenarios.resolve(client, cid, owner, {"outcome": "resolved", "root_cause": "coverage_gap",
                                           "actions": "MY-SC-0921 on air; drive test -85 dBm in the village"})
    client.confirm(scenarios.link_token(stack, cid, "resolved"), "fixed", "村里有信号了")
    client.wait_for(cid, owner, awaiting="survey")


def run_demo(stack: LocalStack) -> bool:
    client = DeskClient(api_url=stack.config.api_url, aws_url=stack.config.aws_url,
                        stack_name=stack.config.stack_name,
                        dev_data_dir=stack.config.data_dir)
    ids: list[str] = []
    first_day = _desk_day(client)  # the report covers the demo's own days

    def receive(story: Story) -> str:
        # Each story's complaint arrives when its turn comes, so days passing in one story
        # (and quiet hours holding its messages) do not run down another's clock.
        answer = client.submit("demo-portal", story.body)
        ids.append(answer["complaint_id"])
        console.print(f"received [bold]{answer['complaint_id']}[/bold]: {story.title}")
        return str(answer["complaint_id"])

    # The demo portal takes its complaints' status back on a webhook: a receiver on loopback verifies each push.
    stack.change_policy("status_push", allow_http_hosts=["127.0.0.1"])
    receiver = PortalReceiver().__enter__()
    receiver.secrets["/demo-portal/ok"] = client.portal_secret("demo-portal")
    client.register_webhook("demo-portal", receiver.url + "/demo-portal/ok")
    console.print(f"demo-portal registered {receiver.url}/demo-portal/ok for its status events")

    coverage = receive(STORIES[0])
    repeat = client.submit("demo-portal", STORIES[0].body)
    console.print(f"repeat delivery of {STORIES[0].body['external_id']} answered {repeat['complaint_id']} again")
    _work(client, coverage, ROOT_CAUSES[0], reply=True)
    scenarios.answer_survey(stack, client, coverage, 10, "信号好多了，谢谢")

    broadband = receive(STORIES[1])
    _work(client, broadband, ROOT_CAUSES[1], reopen=True, visit=True)
    scenarios.answer_survey(stack, client, broadband, 9)

    billing = receive(STORIES[2])
    _work(client, billing, ROOT_CAUSES[2], hours=2)  # urgent: the first reply is due within 4 hours
    scenarios.answer_survey(stack, client, billing, 4, "退费太慢")
    client.wait_for(billing, "sup-zhao", awaiting="review")
    client.act(billing, "review", "sup-zhao", {"cause": "refund took 6 days", "reopen": False,
                                               "action": "refund process for disputed VAS charges cut to 1 day"})

    console.print("an outage: six customers of one cell call within minutes")
    outage = [client.submit("demo-portal", _outage(n, text))["complaint_id"] for n, text in enumerate(OUTAGE_TEXTS)]
    incident_id = _incident_of(client, outage)
    console.print(f"incident {incident_id} links {len(outage)} complaints; network operations resolve it once")
    client._call("POST", f"/v1/incidents/{incident_id}/resolve", agent="sup-sun",
                 json={"root_cause": "base_station_fault",
                       "actions": "BBU power module failed at site BJ-CY-7781; replaced it, site back on air"})
    for n, cid in enumerate(outage):
        view = client.wait_for(cid, "mgr-qian", awaiting="confirmation")
        client.to_daytime()
        scenarios.confirm_fixed(client, cid, str(view["owner_id"]))  # the triage desk's, if it went there
        scenarios.answer_survey(stack, client, cid, 9 if n % 2 else 10)

    rude = receive(STORIES[3])
    first = str(client.wait_for(rude, "mgr-qian", awaiting="acceptance")["owner_id"])
    client.advance_clock(3 * HOUR)
    console.print(f"clock moved 3 hours; the reminders sweep: {client.tick()}")
    owner = str(client.wait_for(rude, "mgr-qian", awaiting="acceptance")["owner_id"])
    console.print(f"{first} did not accept in time; the complaint passed to {owner}")
    client.act(rude, "accept", owner)
    client.wait_for(rude, owner, awaiting="resolution")
    _resolve(client, rude, owner, {"outcome": "resolved", "root_cause": ROOT_CAUSES[3],
                                   "actions": "apologised; agent coached by the hall manager"})
    client.to_daytime()
    scenarios.confirm_fixed(client, rude, owner)
    client.advance_clock(4 * 24 * HOUR)
    console.print(f"clock moved 4 days; the reminders sweep: {client.tick()}")

    village = receive(STORIES[4])
    _tracking(stack, client, village)
    scenarios.answer_survey(stack, client, village, 9, "基站建好了", result="satisfied")

    closed = _report(client, first_day, ids + outage, [*STORIES, *(Story(
        f"Outage at cell BJ-CY-7781 ({incident_id})", {}, "resolved by the incident, confirmed, closed")
        for _ in outage)])
    client.tick()  # the last status events go out
    pushed = receiver.events("/demo-portal/ok")
    receiver.__exit__()
    console.print(f"demo-portal received {len(pushed)} status events, {sum(g['verified'] for g in pushed)} with a "
                  f"signature that verified; for {coverage}: "
                  + ", ".join(g["event"]["type"] for g in pushed if g["event"]["data"]["complaint_id"] == coverage))
    return closed


def _desk_day(client: DeskClient) -> str:
    return client.now().astimezone(ZoneInfo(load_policy(client.policy_profile).timezone)).date().isoformat()


def _report(client: DeskClient, first_day: str, ids: list[str], stories: list[Story]) -> bool:
    summary = Table(title="demo complaints")
    for column in ("complaint", "story", "status", "category", "priority", "owner", "reopened", "survey",
                   "promises missed", "workflow", "expected"):
        summary.add_column(column, no_wrap=column == "complaint")
    all_closed = True
    times = Times.desk(load_policy(client.policy_profile).timezone, client.now())
    for n, (cid, story) in enumerate(zip(ids, stories, strict=True)):
        view = client.wait_for(cid, "mgr-qian", awaiting=None, status="closed")
        execution = client.execution(cid)
        for _ in range(100):
            if execution["status"] != "RUNNING":
                break
            client.wait_for(cid, "mgr-qian", status="closed", timeout=0.1)
            execution = client.execution(cid)
        survey = view.get("survey") or {}
        all_closed &= view["status"] == "closed" and execution["status"] == "SUCCEEDED"
        if n < len(STORIES) + 1:  # every story's timeline, and one of the outage's
            console.print(timeline_table(view, times))
        summary.add_row(cid, story.title[:38], view["status"], view.get("category") or "", view.get("priority") or "",
                        view.get("owner_id") or "", str(view["reopen_count"]),
                        str(survey.get("score", survey.get("outcome", "-"))),
                        ", ".join(p["kind"] for p in view.get("promises", []) if p["state"] == "missed") or "-",
                        execution["status"], story.expected)
    console.print(summary)
    last_day = _desk_day(client)
    report = client.report("mgr-qian", first_day, last_day)
    figures = Table(title=f"how they ended, {report['start']} to {report['end']}")
    figures.add_column("figure")
    figures.add_column("value", justify="right")
    for name in ("closed_confirmed", "first_time_fix", "fixed_after_reopen", "closed_unconfirmed", "reopened",
                 "tracking_opened", "fix_landed", "quality_passed", "surveyed", "low_scores", "survey_no_response",
                 "recoveries"):
        figures.add_row(name, str(report["totals"][name]))
    for name in ("first_time_fix_rate", "reopen_rate", "mean_score", "share_of_10"):
        figures.add_row(name, str(report[name]))
    console.print(figures)
    console.print(summary_table(client.summary("mgr-qian", first_day, last_day)))
    console.print("[green]every demo complaint is closed[/green]" if all_closed
                  else "[red]some demo complaints did not close[/red]")
    return all_closed
