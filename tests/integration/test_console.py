"""The operators' console in headless Chromium against the local stack.

Sign in, open the queue, open a complaint, accept and resolve it through the
forms and watch its workflow graph move. Screenshots of the queue, the
complaint page and the reports page go to build/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from complaints.workflow.contract import State
from infra.cli.client import DeskClient
from infra.local.stack import LocalStack
from tests.integration.patience import ANSWER_SECONDS

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

if not (CHROMIUM and CHROMEDRIVER):
    if os.environ.get("REQUIRE_BROWSER"):
        raise RuntimeError("REQUIRE_BROWSER is set but chromium and chromedriver are not installed")
    pytest.skip("browser tests need Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--window-size=1366,900", "--lang=zh-CN"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.implicitly_wait(0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def _screenshot(driver: WebDriver, name: str) -> None:
    """The whole page, not just the window: the window grows to the page's height for the shot."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1366, max(900, min(int(height) + 40, 6000)))
    driver.save_screenshot(str(SCREENSHOTS / name))
    driver.set_window_size(1366, 900)


def _wait(driver: WebDriver, condition: Any, seconds: float = 20) -> Any:
    # The console redraws its view in place: an element found a moment ago may be gone.
    return WebDriverWait(driver, seconds, ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def _current_step(driver: WebDriver) -> str:
    return str(driver.execute_script(
        "const e = document.querySelector('[data-current]'); return e ? e.dataset.current : ''"))


def _sign_in(driver: WebDriver, stack: LocalStack, agent: str) -> None:
    driver.get(f"{stack.config.api_url}/console")
    driver.execute_script("sessionStorage.clear()")  # the token lives for the tab: start signed out
    driver.refresh()
    _wait(driver, expected_conditions.visibility_of_element_located((By.NAME, "username")))
    driver.find_element(By.NAME, "username").send_keys(agent)
    driver.find_element(By.CSS_SELECTOR, "#sign-in button[type=submit]").click()
    _wait(driver, expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "[data-view=queue]")))


def test_an_agent_signs_in_accepts_and_resolves_through_the_console(
        stack: LocalStack, client: DeskClient, browser: WebDriver, complaint_body: dict[str, Any]) -> None:
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    view = client.wait_for(cid, "mgr-qian", awaiting="acceptance")
    owner = view["owner_id"]

    _sign_in(browser, stack, owner)
    row = _wait(browser, expected_conditions.presence_of_element_located(
        (By.CSS_SELECTOR, f"tr[data-complaint='{cid}']")))
    assert row.find_element(By.CSS_SELECTOR, "[data-due]"), "the next promise counts down in the queue"
    _screenshot(browser, "queue.png")

    row.find_element(By.LINK_TEXT, cid).click()
    _wait(browser, expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "[data-view=complaint]")))
    assert _current_step(browser) == State.AWAIT_ACCEPTANCE
    page = browser.find_element(By.CSS_SELECTOR, "[data-view=complaint]").text
    assert "+86" + complaint_body["customer"]["phone"] in page  # the owner sees the number to call back
    assert browser.find_element(By.CSS_SELECTOR, "svg.workflow g.current").get_attribute("data-state") \
        == State.AWAIT_ACCEPTANCE

    browser.find_element(By.CSS_SELECTOR, "form[data-action=accept] button").click()
    _wait(browser, lambda d: _current_step(d) == State.AWAIT_RESOLUTION)
    assert State.AWAIT_ACCEPTANCE in {g.get_attribute("data-state")
                                 for g in browser.find_elements(By.CSS_SELECTOR, "svg.workflow g.visited")}

    form = browser.find_element(By.CSS_SELECTOR, "form[data-action=resolve]")
    Select(form.find_element(By.NAME, "outcome")).select_by_value("resolved")
    form.find_element(By.NAME, "actions").send_keys("Adjusted the antenna tilt of the serving cell; signal -85 dBm now")
    form.find_element(By.NAME, "evidence").send_keys("drive test 2026-11-22")
    form.find_element(By.CSS_SELECTOR, "button").click()
    _wait(browser, lambda d: _current_step(d) == State.AWAIT_CONFIRMATION)
    assert browser.find_element(By.CSS_SELECTOR, "svg.workflow g.current").get_attribute("data-state") \
        == State.AWAIT_CONFIRMATION
    assert client.show(cid, owner)["status"] == "resolved"
    _screenshot(browser, "complaint.png")


def test_the_console_speaks_english_too(stack: LocalStack, browser: WebDriver) -> None:
    _sign_in(browser, stack, "sup-zhao")
    if browser.find_element(By.ID, "lang").text == "English":
        browser.find_element(By.ID, "lang").click()
    _wait(browser, lambda d: d.find_element(By.ID, "queue-title").text == "Queue")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    browser.find_element(By.ID, "lang").click()
    _wait(browser, lambda d: d.find_element(By.ID, "queue-title").text == "工单队列")


def test_views_need_the_operators_token_and_the_shell_does_not(stack: LocalStack, client: DeskClient) -> None:
    base = stack.config.api_url
    assert requests.get(f"{base}/console", timeout=ANSWER_SECONDS).status_code == 200
    assert requests.get(f"{base}/console/views/queue", timeout=ANSWER_SECONDS).status_code == 401
    token = client.dev_token("a-chen")
    answer = requests.get(f"{base}/console/views/queue", headers={"Authorization": f"Bearer {token}"},
                          timeout=ANSWER_SECONDS)
    assert answer.status_code == 200 and 'data-view="queue"' in answer.text
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]


def test_an_agent_of_another_department_gets_a_masked_phone_or_nothing(
        stack: LocalStack, client: DeskClient, complaint_body: dict[str, Any]) -> None:
    cid = client.submit("demo-portal", complaint_body)["complaint_id"]
    view = client.wait_for(cid, "mgr-qian", awaiting="acceptance")
    phone = "+86" + complaint_body["customer"]["phone"]

    def page(agent: str, role: str | None = None) -> requests.Response:
        token = client.dev_token(agent, role)
        return requests.get(f"{stack.config.api_url}/console/views/complaints/{cid}",
                            headers={"Authorization": f"Bearer {token}"}, timeout=ANSWER_SECONDS)

    owner_page = page(view["owner_id"])
    assert owner_page.status_code == 200 and phone in owner_page.text
    manager_page = page("mgr-qian")
    assert manager_page.status_code == 200 and phone in manager_page.text
    outsider = "a-wu" if view["department"] != "billing" else "a-zhou"
    assert page(outsider).status_code == 403


def test_a_manager_reads_the_reports_as_charts_and_tables(stack: LocalStack, browser: WebDriver) -> None:
    _sign_in(browser, stack, "mgr-qian")
    browser.get(f"{stack.config.api_url}/console#/reports")
    view = _wait(browser, expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "[data-view=reports]")))
    received = view.find_element(By.CSS_SELECTOR, "[data-figure=received_total] b").text
    assert int(received) >= 2  # this module's complaints so far
    assert view.find_elements(By.CSS_SELECTOR, ".chart .bar rect.fill"), "volumes are drawn as bars"
    assert view.find_element(By.CSS_SELECTOR, "a[data-download]").get_attribute("data-download") \
        .startswith("/v1/reports/summary.csv?from=")
    _screenshot(browser, "reports.png")
    # A period with nothing in it is a report of zeros.
    start = view.find_element(By.NAME, "from")
    browser.execute_script("arguments[0].value = '2020-01-01'", start)
    browser.execute_script("arguments[0].value = '2020-01-31'", view.find_element(By.NAME, "to"))
    view.find_element(By.CSS_SELECTOR, "form.period button").click()
    _wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "[data-view=reports]").get_attribute("data-from")
          == "2020-01-01")
    assert browser.find_element(By.CSS_SELECTOR, "[data-figure=received_total] b").text == "0"
