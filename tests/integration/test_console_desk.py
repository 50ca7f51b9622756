"""The console as a desk reads it, in headless Chromium against the local stack of this module.

No raw key on the Chinese pages; the trends of a scripted week match the day
counters; the board orders a missed and an at-risk promise; search finds a
complaint by phone and by portal reference; the complaint page works at a
phone's 360 px, an action done there. Screenshots of every page, in both
languages and at both widths, go to build/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from complaints.workflow.contract import State
from infra.cli.client import DeskClient
from infra.local import scenarios
from infra.local.stack import LocalStack
from tests.integration.patience import ANSWER_SECONDS
from tests.raw_keys import raw_keys

pytestmark = pytest.mark.integration
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
DESKTOP, PHONE = (1366, 900), (360, 780)
ZONE = ZoneInfo("Asia/Shanghai")  # the telecom profile's
COVERAGE = "小区里信号弱，经常掉话，已经持续两周了。"  # network.coverage: network optimisation (sup-sun)

if not (CHROMIUM and CHROMEDRIVER):
    if os.environ.get("REQUIRE_BROWSER"):
        raise RuntimeError("REQUIRE_BROWSER is set but chromium and chromedriver are not installed")
    pytest.skip("browser tests need Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)",
                allow_module_level=True)

_numbers = iter(range(1, 10_000))


def _complaint(phone: str | None = None) -> dict[str, Any]:
    n = next(_numbers)
    return {"channel": "hotline", "external_id": f"DESK-{n:05d}", "service": "mobile_voice",
            "customer": {"name": "界面测试", "phone": phone or f"1380013{n:04d}"}, "text": COVERAGE,
            "location": {"area": "test-area", "cell_id": f"CELL-D{n}"}}


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", f"--window-size={DESKTOP[0]},{DESKTOP[1]}", "--lang=zh-CN"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.implicitly_wait(0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def _wait(driver: WebDriver, condition: Any, seconds: float = 20) -> Any:
    return WebDriverWait(driver, seconds, ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def _sign_in(driver: WebDriver, stack: LocalStack, agent: str, lang: str = "zh-CN",
             size: tuple[int, int] = DESKTOP) -> None:
    driver.set_window_size(*size)
    driver.get(f"{stack.config.api_url}/console#/queue")
    driver.execute_script("sessionStorage.clear(); localStorage.setItem('desk.lang', arguments[0])", lang)
    driver.refresh()
    _wait(driver, expected_conditions.visibility_of_element_located((By.NAME, "username")))
    driver.find_element(By.NAME, "username").send_keys(agent)
    driver.find_element(By.CSS_SELECTOR, "#sign-in button[type=submit]").click()
    _wait(driver, expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "[data-view=queue]")))


def _open(driver: WebDriver, hash_: str, view: str) -> Any:
    """Go to a page of the console and wait until its view is drawn."""
    driver.execute_script("document.querySelector('#view').innerHTML = '';"
                          "if (location.hash === arguments[0]) window.dispatchEvent(new HashChangeEvent('hashchange'));"
                          "else location.hash = arguments[0];", hash_)
    return _wait(driver, expected_conditions.presence_of_element_located((By.CSS_SELECTOR, f"[data-view={view}]")))


def _screenshot(driver: WebDriver, name: str, size: tuple[int, int]) -> None:
    """The whole page at the width given: the window grows to the page's height for the shot."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(size[0], max(size[1], min(int(height) + 40, 8000)))
    driver.save_screenshot(str(SCREENSHOTS / name))
    driver.set_window_size(*size)


def _waiting(client: DeskClient, stage: str = "acceptance") -> tuple[str, str]:
    """A new coverage complaint waiting at a stage; its id and owner."""
    cid = client.submit("demo-portal", _complaint())["complaint_id"]
    return cid, str(client.wait_for(cid, scenarios.MANAGER, awaiting=stage)["owner_id"])


def _first_reply_due(client: DeskClient, cid: str) -> datetime:
    promises = client.show(cid, scenarios.MANAGER)["promises"]
    return datetime.fromisoformat(next(p["due_at"] for p in promises if p["kind"] == "first_reply"))


# ------------------------------------------------------------------ a scripted week
@pytest.fixture(scope="module")
def week(stack: LocalStack, client: DeskClient) -> date:
    """Days of their own: two complaints on the first day, one closed on the second, one more on the third.

    The clock moves ten days on first, so no other test's complaint falls in the week, and past it at the end.
    """
    client.advance_clock(10 * 86400)
    client.advance_to("09:00")
    first = client.now().astimezone(ZONE).date()
    a, _ = _waiting(client)
    _waiting(client)
    client.advance_clock(86400)
    owner = scenarios.to_confirmation(client, a, daytime=True)
    scenarios.confirm_fixed(client, a, owner)
    client.advance_clock(86400)
    _waiting(client)
    client.advance_clock(5 * 86400)
    return first


def test_the_trends_of_a_scripted_week_match_the_day_counters(
        stack: LocalStack, client: DeskClient, browser: WebDriver, week: date) -> None:
    start, end = week, week + timedelta(days=6)
    counters = client.trends("mgr-qian", start.isoformat(), end.isoformat())
    _sign_in(browser, stack, "mgr-qian")
    _open(browser, f"#/reports?from={start.isoformat()}&to={end.isoformat()}", "reports")

    def drawn(series: str) -> list[int | None]:
        points = {p.get_attribute("data-day"): p.get_attribute("data-value") for p in browser.find_elements(
            By.CSS_SELECTOR, f"circle.point[data-series='{series}']")}
        return [None if points.get(d) is None else int(float(str(points[d])))
                for d in ((start + timedelta(days=n)).isoformat() for n in range(7))]

    # The drawing shows what the counters hold, day by day ...
    for series in ("received", "closed", "backlog", "reopened"):
        assert drawn(series) == [day[series] for day in counters["days"]], series
    # ... and what the script did
    assert drawn("received") == [2, 0, 1, 0, 0, 0, 0]
    assert drawn("closed") == [0, 1, 0, 0, 0, 0, 0]
    backlog = drawn("backlog")
    assert backlog[0] is not None and [b - backlog[0] for b in backlog if b is not None] == [0, -1, 0, 0, 0, 0, 0]
    kept = counters["days"][0]["promises"]["acknowledge"]["kept"]
    assert kept == 2 and browser.find_element(
        By.CSS_SELECTOR, f"circle.point[data-series='kept_share:acknowledge'][data-day='{start}']"
    ).get_attribute("data-value") == "1"
    # The numbers are there as a table too
    browser.find_element(By.CSS_SELECTOR, "#trend-volume details summary").click()
    row = browser.find_element(By.CSS_SELECTOR, f"#trend-volume tr[data-day='{start}']")
    assert [c.text for c in row.find_elements(By.TAG_NAME, "td")] == ["2", "0"]


# ------------------------------------------------------------------ the board
def test_the_board_lists_a_missed_then_an_at_risk_promise(
        stack: LocalStack, client: DeskClient, browser: WebDriver) -> None:
    early, _ = _waiting(client)
    for _ in range(4):  # a day later, until the later complaint's first reply falls due after the earlier one's
        client.advance_clock(86400)
        late, _ = _waiting(client)
        if _first_reply_due(client, early) < _first_reply_due(client, late) - timedelta(hours=2):
            break
    client.advance_clock((_first_reply_due(client, late) - client.now() - timedelta(minutes=30)).total_seconds())

    _sign_in(browser, stack, "sup-sun")
    view = _open(browser, "#/board", "board")
    rows = [(r.get_attribute("data-complaint"), r.get_attribute("data-level"))
            for r in view.find_elements(By.CSS_SELECTOR, ".alerts tr[data-kind=first_reply]")]
    ours = [row for row in rows if row[0] in (early, late)]
    assert ours == [(early, "missed"), (late, "at-risk")]
    assert view.get_attribute("data-refresh") == "60"
    assert view.find_elements(By.CSS_SELECTOR, ".load tr[data-agent=a-wang] meter")


def test_views_refuse_as_the_api_does_with_a_page_in_the_desk_s_language(
        stack: LocalStack, client: DeskClient) -> None:
    def view(path: str, agent: str) -> requests.Response:
        return requests.get(f"{stack.config.api_url}{path}", timeout=ANSWER_SECONDS,
                            headers={"Authorization": f"Bearer {client.dev_token(agent)}", "Accept-Language": "zh-CN"})

    board = view("/console/views/board", "a-wang")  # an agent
    assert board.status_code == 403 and "您无权查看" in board.text and 'data-view="error"' in board.text
    missing = view("/console/views/complaints/%3Cimg%20src=x%20onerror=alert(1)%3E", "sup-sun")
    assert missing.status_code == 404 and "没有找到" in missing.text
    assert "<img" not in missing.text and "&lt;img src=x onerror=alert(1)&gt;" in missing.text
    assert view("/console/views/reports?lang=en", "a-wang").status_code == 403


# ------------------------------------------------------------------ search
def test_search_finds_a_complaint_by_phone_and_by_portal_reference(
        stack: LocalStack, client: DeskClient, browser: WebDriver) -> None:
    body = _complaint(phone="13700137000")
    cid = client.submit("demo-portal", body)["complaint_id"]
    client.wait_for(cid, scenarios.MANAGER, awaiting="acceptance")
    _sign_in(browser, stack, "sup-sun")
    for query, matched in (("137 0013 7000", "phone"), (body["external_id"], "external_id")):
        view = _open(browser, "#/search", "search")
        view.find_element(By.NAME, "q").send_keys(query)
        view.find_element(By.CSS_SELECTOR, "form.search button").click()
        row = _wait(browser, expected_conditions.presence_of_element_located(
            (By.CSS_SELECTOR, f".search-results tr[data-complaint='{cid}']")))
        assert row.get_attribute("data-matched") == matched
        assert "13700137000" not in browser.current_url  # the number never sits in an address
    # An agent of another department finds nothing
    _sign_in(browser, stack, "a-wu")
    view = _open(browser, "#/search", "search")
    view.find_element(By.NAME, "q").send_keys("13700137000")
    view.find_element(By.CSS_SELECTOR, "form.search button").click()
    _wait(browser, expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".search-results .empty")))


# ------------------------------------------------------------------ a phone
def test_the_complaint_page_works_at_360_px_and_an_action_is_done_there(
        stack: LocalStack, client: DeskClient, browser: WebDriver) -> None:
    cid, owner = _waiting(client)
    _sign_in(browser, stack, owner, size=PHONE)
    assert browser.execute_script("return document.documentElement.clientWidth") <= 380
    view = _open(browser, f"#/complaints/{cid}", "complaint")
    wider = browser.execute_script(
        "const w = document.documentElement.clientWidth; return [...document.querySelectorAll('#view *')]"
        ".filter((e) => e.getBoundingClientRect().right > w + 1 && !e.closest('.graph'))"
        ".map((e) => e.tagName + '.' + e.className.baseVal + e.className + ' ' + e.getBoundingClientRect().right)"
        ".slice(0, 8)")
    assert wider == [], "nothing but the workflow graph (which scrolls) is wider than the phone"
    button = view.find_element(By.CSS_SELECTOR, "form[data-action=accept] button")
    assert button.size["width"] >= 200 and button.size["height"] >= 44  # a thumb can hit it
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    _wait(browser, lambda d: d.execute_script(
        "const e = document.querySelector('[data-current]'); return e && e.dataset.current") == State.AWAIT_RESOLUTION)
    assert client.show(cid, owner)["awaiting"] == "resolution"
    assert browser.find_element(By.CSS_SELECTOR, "form[data-action=resolve]").is_displayed()


# ------------------------------------------------------------------ redress, collaboration and causes
def test_the_complaint_page_shows_redress_awaiting_approval_and_an_open_assist(
        stack: LocalStack, client: DeskClient, browser: WebDriver) -> None:
    # Given compensation above the owner's limit and an assist maintenance has not finished
    cid, _ = _waiting(client)
    owner = scenarios.accept(client, cid)
    client.act(cid, "redress", owner, {"kind": "compensation", "amount": "5000.00", "reason": "信号中断三周"})
    client.act(cid, "assists", owner, {"department": "maintenance", "owner": "a-zhou", "task": "更换电源模块"})
    # When the manager opens the complaint
    _sign_in(browser, stack, "mgr-qian")
    view = _open(browser, f"#/complaints/{cid}", "complaint")
    # Then the redress waits for approval, the assist is open, and both hold the resolution, in the desk's words
    row = view.find_element(By.CSS_SELECTOR, "tr[data-redress=R1]")
    assert "pending_approval" in str(row.get_attribute("class"))
    assert "赔偿" in row.text and "5000.00 CNY" in row.text and "待审批" in row.text
    assist = view.find_element(By.CSS_SELECTOR, "tr[data-assist=A1]")
    assert "open" in str(assist.get_attribute("class")) and "代维" in assist.text and "更换电源模块" in assist.text
    holds = view.find_element(By.CSS_SELECTOR, "section.holds").text
    assert "协办未完成" in holds and "补救待审批" in holds
    assert raw_keys(view.text) == []
    _screenshot(browser, "complaint-redress-zh-CN-desktop.png", DESKTOP)
    # and once the manager approves and the assist is done, the page says so
    client.act(cid, "redress/R1/decision", "mgr-qian", {"approved": True, "note": "按标准执行"})
    client.act(cid, "assists/A1/done", "a-zhou", {"result": "电源模块已更换"})
    view = _open(browser, f"#/complaints/{cid}", "complaint")
    assert "已批准" in view.find_element(By.CSS_SELECTOR, "tr[data-redress=R1]").text
    assert "open" not in str(view.find_element(By.CSS_SELECTOR, "tr[data-assist=A1]").get_attribute("class"))
    assert view.find_elements(By.CSS_SELECTOR, "section.holds") == []


def test_the_reports_page_shows_the_cause_report_of_the_scripted_week(
        stack: LocalStack, client: DeskClient, browser: WebDriver, week: date) -> None:
    start, end = week, week + timedelta(days=6)
    report = client.causes("mgr-qian", start.isoformat(), end.isoformat())
    assert report["total"] == 1 and report["by_cause"] == {"antenna_tilt": 1}  # the one complaint the week closed
    _sign_in(browser, stack, "mgr-qian")
    view = _open(browser, f"#/reports?from={start.isoformat()}&to={end.isoformat()}", "reports")
    section = view.find_element(By.CSS_SELECTOR, "section.causes")
    drawn = [(r.get_attribute("data-cause"), r.get_attribute("data-change"))
             for r in section.find_elements(By.CSS_SELECTOR, "tr[data-cause]")]
    assert drawn == [(line["root_cause"], str(line["change"])) for line in report["lines"]]
    assert "天线下倾角" in section.text and "信号覆盖" in section.text
    total = section.find_element(By.CSS_SELECTOR, "tr.total")
    assert [c.text for c in total.find_elements(By.TAG_NAME, "td")][4:6] == ["1", str(report["previous_total"])]
    assert raw_keys(section.text) == []


# ------------------------------------------------------------------ every page, in words people read
def test_no_raw_key_on_the_chinese_pages_and_screenshots_of_every_page(
        stack: LocalStack, client: DeskClient, browser: WebDriver) -> None:
    cid, _ = _waiting(client)
    pages = [("queue", "#/queue/network_optimisation", "queue"), ("complaint", f"#/complaints/{cid}", "complaint"),
             ("board", "#/board", "board"), ("reports", "#/reports", "reports"), ("search", "#/search", "search")]
    for lang in ("zh-CN", "en"):
        for width, size in (("desktop", DESKTOP), ("phone", PHONE)):
            _sign_in(browser, stack, "sup-sun", lang, size)
            for name, hash_, view_name in pages:
                view = _open(browser, hash_, view_name)
                if lang == "zh-CN":
                    assert raw_keys(view.text) == [], f"{name}: {raw_keys(view.text)}"
                _screenshot(browser, f"{name}-{lang}-{width}.png", size)
