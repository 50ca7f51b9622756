"""The demo of a property management office's desk and of a hospital's, on the same engine as the operator's.

Each story is a complaint such a desk meets, played through the HTTP API as
its people would: the property office's on-call engineer freeing a resident
trapped in a lift at night, a leak fixed within the working day, renovation
noise, a fee question passed on by the citizen hotline, a burst main that
many residents report at once; the hospital's medical dispute (records
sealed, mediation, a settlement whose compensation the manager approves), a
nursing complaint, a red envelope reported through the health commission,
an insurance question. The report at the end counts disputes apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rich.table import Table

from complaints.core.policy import load_policy
from infra.cli.client import DeskClient
from infra.cli.render import console, summary_table, timeline_table
from infra.cli.times import Times
from infra.local import scenarios
from infra.local.stack import LocalStack

HOUR = 3600
Step = Callable[[DeskClient, str, str], None]


@dataclass
class Story:
    title: str
    body: dict[str, Any]
    root_cause: str
    actions: str
    score: int
    at: str | None = None  # the local time it arrives ("23:40"); else when the last story ended
    during: list[Step] = field(default_factory=list)  # what the owner does before reporting it resolved


def _person(n: int, name: str) -> dict[str, Any]:
    return {"name": name, "phone": f"1391188{n:04d}"}


def _visit_now(client: DeskClient, cid: str, owner: str) -> None:
    """An emergency: the resident asks for someone now; the engineer is there within minutes."""
    start = client.now().astimezone(ZoneInfo("Asia/Shanghai")) + timedelta(minutes=1)
    client.act(cid, "appointments", owner, {"start": start.isoformat(), "end": (start + timedelta(minutes=30))
                                            .isoformat(), "customer_requested": True})
    client.advance_clock(9 * 60)
    client.act(cid, "arrival", owner, {"note": "car door opened with the release key; everyone out"})
    console.print(f"{cid}: the on-call engineer arrived 9 minutes after the call, at night")


def _visit_tomorrow(client: DeskClient, cid: str, owner: str) -> None:
    """An ordinary repair: a window the next working morning, within the working day promised."""
    client.advance_to("09:30")
    start = client.now().astimezone(ZoneInfo("Asia/Shanghai")) + timedelta(minutes=30)
    client.act(cid, "appointments", owner, {"start": start.isoformat(),
                                            "end": (start + timedelta(hours=2)).isoformat()})
    client.advance_clock(45 * 60)
    client.act(cid, "arrival", owner, {})
    console.print(f"{cid}: the plumber arrived within the booked window")


def _staged_reply(client: DeskClient, cid: str, owner: str) -> None:
    client.to_daytime()
    next_at = (client.now() + timedelta(days=1)).isoformat()
    client.act(cid, "replies", owner, {"kind": "call", "summary": "the answer, and when the next one comes",
                                       "next_reply_at": next_at})
    local = datetime.fromisoformat(next_at).astimezone(ZoneInfo("Asia/Shanghai"))
    console.print(f"{cid}: staged reply by call; the next answer promised for {local:%Y-%m-%d %H:%M}")


def _dispute(client: DeskClient, cid: str, owner: str) -> None:
    """医疗纠纷: the records sealed before the family, the mediation committee, a settlement whose compensation,
    above the owner's limit, waits for the manager's approval."""
    manager = scenarios.manager(client)
    client.act(cid, "dispute/steps", owner, {"step": "records_sealed", "reference": "FC-2026-0118"})
    console.print(f"{cid}: medical records sealed (FC-2026-0118), within the day promised")
    client.act(cid, "dispute/steps", owner, {"step": "mediation_requested", "reference": "YTW-2026-0412"})
    client.act(cid, "replies", owner, {"kind": "meeting", "summary": "met the family with the mediation committee"})
    later = (client.now() + timedelta(days=14)).isoformat()
    client.act(cid, "promises/solution/extend", owner, {"due_at": later, "reason": "the mediation committee's session"})
    console.print(f"{cid}: the solution moved to after the mediation, the family told why")
    client.advance_clock(10 * 24 * HOUR)
    answer = client.act(cid, "dispute/settlement", owner, {"way": "mediation", "compensation": 86000,
                                                           "agreement_reference": "YTW-2026-0412-A"})
    console.print(f"{cid}: settled through the mediation committee for 86,000 CNY: {answer['message']}")
    client.act(cid, "redress/R1/decision", manager, {"approved": True})
    console.print(f"{cid}: the compensation approved by {manager}; the family told through the notification port")


PROPERTY = [
    Story("Trapped in the lift at night (emergency)", {
        "channel": "hotline", "text": "3栋2单元电梯突然停在两层中间，我和孩子被困在电梯里出不来，快派人来！",
        "location": {"area": "lanting-garden", "building": "3", "unit": "2", "room": "1102"}},
        "elevator_fault", "released the car, replaced the door relay, lift tested", 10, "23:40", [_visit_now]),
    Story("Leak into the flat below (ordinary repair)", {
        "channel": "owner_app", "text": "卫生间水管漏水，已经渗到楼下邻居家天花板了，请尽快派师傅来修",
        "location": {"area": "lanting-garden", "building": "5", "unit": "1", "room": "302"}},
        "pipe_ageing", "replaced the corroded joint under the floor; neighbour's ceiling dried", 9, "16:30",
        [_visit_tomorrow]),
    Story("Renovation noise before hours", {
        "channel": "owners_group",
        "text": "楼上装修每天早上七点就开始电钻敲墙，违反装修时间规定，物业也不管，请尽快处理",
        "location": {"area": "lanting-garden", "building": "3", "unit": "1", "room": "902"}},
        "renovation_rules_broken", "told the renovating owner the permitted hours; patrol checks at 8:00", 8, None,
        [_staged_reply]),
    Story("Shared-area charge through the citizen hotline", {
        "channel": "gov_hotline", "text": "物业费账单里多了一项公摊电费，收费标准从来没有公示过，要求物业说明并退还",
        "location": {"area": "lanting-garden", "building": "8"}},
        "fee_terms_unclear", "published the shared-area charges; refunded the months before publication", 9, None,
        [_staged_reply]),
]
HOSPITAL = [
    Story("Complication after surgery, compensation claimed (医疗纠纷)", {
        "channel": "walk_in",
        "text": "我父亲上周在贵院做胆囊切除手术，术后出现严重并发症感染，又住进ICU，术前根本没说有这种风险，"
                "我们要求医院调查并赔偿全部医疗费和误工损失",
        "location": {"campus": "main", "ward": "general-surgery-3"}},
        "communication_gap", "settled through the mediation committee; consent talks now name this risk", 8, None,
        [_dispute]),
    Story("Four attempts at a drip (nursing)", {
        "channel": "wechat",
        "text": "住院部护士给我扎了四次针都没扎进去，手背全青了，按呼叫铃半小时才来人，请护理部处理",
        "location": {"campus": "main", "ward": "cardiology-2"}},
        "weak_clinical_basics", "IV training for the ward's night nurses; the head nurse apologised", 9),
    Story("A red envelope hinted at, through the health commission", {
        "channel": "health_commission", "text": "手术前主刀医生的助手暗示我们要表示表示，我们给了红包，请医院严肃处理",
        "location": {"campus": "east", "ward": "orthopaedics-1"}},
        "misconduct", "the envelope returned; the assistant disciplined; the ward's supervision reviewed", 9),
    Story("Insurance reimbursement refused at the window", {
        "channel": "hotline", "text": "异地医保住院费用窗口说不能报销，跑了三趟还是说材料不全，请财务科说明需要什么",
        "location": {"campus": "main", "ward": "finance-window"}},
        "insurance_rules", "explained the cross-province rules; reimbursed on the spot with the filing", 9),
]
STORIES = {"property": PROPERTY, "hospital": HOSPITAL}


def run_desk_demo(stack: LocalStack) -> bool:
    """Play the profile's stories; whether every complaint closed."""
    client = DeskClient(api_url=stack.config.api_url, aws_url=stack.config.aws_url,
                        stack_name=stack.config.stack_name, policy_profile=stack.profile,
                        dev_data_dir=stack.config.data_dir)
    manager = scenarios.manager(client)
    zone = ZoneInfo(load_policy(stack.profile).timezone)
    first_day = client.now().astimezone(zone).date().isoformat()
    ids = []
    for n, story in enumerate(STORIES[stack.profile], 1):
        if story.at:
            client.advance_to(story.at)
        cid = str(client.submit("demo-portal", {**story.body, "external_id": f"DEMO-{n:03d}",
                                                "customer": _person(n, f"客户{n}")})["complaint_id"])
        ids.append(cid)
        view = client.wait_for(cid, manager, awaiting=("acceptance", "assignment"))
        console.print(f"received [bold]{cid}[/bold]: {story.title} → {view['category']}, {view['priority']}, "
                      f"{view['department']}" + (", a dispute" if view.get("dispute") else ""))
        owner = scenarios.accept(client, cid)
        for step in story.during:
            step(client, cid, owner)
        scenarios.resolve(client, cid, owner, {"outcome": "resolved", "root_cause": story.root_cause,
                                               "actions": story.actions}, checked_by=manager)
        client.to_daytime()
        scenarios.close_and_rate(stack, client, cid, owner, story.score)
    return _report(client, manager, zone, first_day, ids)


def _report(client: DeskClient, manager: str, zone: ZoneInfo, first_day: str, ids: list[str]) -> bool:
    times = Times.desk(str(zone), client.now())
    table = Table(title="demo complaints")
    for column in ("complaint", "status", "category", "priority", "department", "owner", "survey", "missed"):
        table.add_column(column)
    closed = True
    for cid in ids:
        view = client.wait_for(cid, manager, status="closed")
        closed &= view["status"] == "closed"
        console.print(timeline_table(view, times))
        table.add_row(cid, view["status"], view["category"], view["priority"], view["department"],
                      view["owner_id"], str((view.get("survey") or {}).get("score", "-")),
                      ", ".join(p["kind"] for p in view["promises"] if p["state"] == "missed") or "-")
    console.print(table)
    last_day = client.now().astimezone(zone).date().isoformat()
    console.print(summary_table(client.summary(manager, first_day, last_day)))
    console.print("[green]every demo complaint is closed[/green]" if closed
                  else "[red]some demo complaints did not close[/red]")
    return closed
