"""The console's forms for redress, working across departments and a medical dispute, in headless Chromium against
a hospital's desk on the local stack.

A refund above the agent's limit waits for the manager, who approves it from the page; a consultation is asked
and answered by the department consulted; a bad field is marked and nothing is stored; a dispute's records are
sealed and it is settled from its panel, its compensation waiting for the manager who approves it. No raw key,
and no telecom desk's word, on the hospital's pages.
Screenshots go to build/screenshots/.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from infra.cli.client import DeskClient
from infra.local import scenarios
from infra.local.stack import LocalStack
from tests.raw_keys import raw_keys, telecom_words

pytestmark = pytest.mark.integration
STACK_PROFILE = "hospital"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
COMPLICATION = ("我父亲上周在贵院做胆囊切除手术，术后出现严重并发症感染，又住进ICU，术前根本没说有这种风险，"
                "我们要求医院调查并赔偿全部医疗费和误工损失")
NURSING = "护士给我母亲打留置针扎了四次都没扎进去，手背全青了，叫护士半天也没人来"
_numbers = itertools.count(1)

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


def _wait(driver: WebDriver, condition: Any, seconds: float = 30) -> Any:
    # The console redraws its view in place: an element found a moment ago may be gone.
    return WebDriverWait(driver, seconds, ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def _sign_in(driver: WebDriver, stack: LocalStack, agent: str, lang: str = "zh-CN") -> None:
    driver.get(f"{stack.config.api_url}/console#/queue")
    driver.execute_script("sessionStorage.clear(); localStorage.setItem('desk.lang', arguments[0])", lang)
    driver.refresh()
    _wait(driver, expected_conditions.visibility_of_element_located((By.NAME, "username")))
    driver.find_element(By.NAME, "username").send_keys(agent)
    driver.find_element(By.CSS_SELECTOR, "#sign-in button[type=submit]").click()
    _wait(driver, expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "[data-view=queue]")))


def _open(driver: WebDriver, complaint_id: str) -> WebElement:
    # One drawing: the browser's own hashchange when the address changes, ours when it is already there.
    driver.execute_script("document.querySelector('#view').innerHTML = '';"
                          "if (location.hash === arguments[0]) window.dispatchEvent(new HashChangeEvent('hashchange'));"
                          "else location.hash = arguments[0];", f"#/complaints/{complaint_id}")
    return _wait(driver, expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "[data-view=complaint]")))


def _form(driver: WebDriver, selector: str) -> WebElement:
    form = _wait(driver, expected_conditions.presence_of_element_located((By.CSS_SELECTOR, selector)))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", form)
    return form


def _text_of(driver: WebDriver, selector: str) -> str:
    found = driver.find_elements(By.CSS_SELECTOR, selector)
    return found[0].text if found else ""


def _screenshot(driver: WebDriver, name: str) -> None:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1366, max(900, min(int(height) + 40, 8000)))
    driver.save_screenshot(str(SCREENSHOTS / name))
    driver.set_window_size(1366, 900)


def _patient(text: str) -> dict[str, Any]:
    n = next(_numbers)
    return {"channel": "walk_in", "external_id": f"FORM-{n:05d}", "text": text,
            "customer": {"name": "表单测试", "phone": f"1381235{n:04d}"},
            "location": {"campus": "main", "ward": "general-surgery-3"}}


def _words_of_the_desk(view: WebElement) -> None:
    assert raw_keys(view.text) == [], raw_keys(view.text)
    assert telecom_words("hospital", view.text) == []


def test_a_refund_above_the_agent_s_limit_waits_for_the_manager_who_approves_it_in_the_console(
        stack: LocalStack, client: DeskClient, browser: WebDriver) -> None:
    # Given a nursing complaint its owner has accepted
    client.to_daytime()
    cid = client.submit("demo-portal", _patient(NURSING))["complaint_id"]
    owner = scenarios.accept(client, cid)
    # When the owner records a refund through the form (an agent of this desk grants nothing alone)
    _sign_in(browser, stack, owner)
    _open(browser, cid)
    form = _form(browser, "form[data-action=redress-money]")
    assert "您录入的金额均须等待经理审批" in form.text
    Select(form.find_element(By.NAME, "kind")).select_by_value("refund")
    form.find_element(By.NAME, "amount").send_keys("800")
    form.find_element(By.NAME, "reason").send_keys("多收的留置针费用")
    form.find_element(By.CSS_SELECTOR, "button").click()
    # Then the page shows it waiting for a manager's approval, and it holds the resolution
    row = _wait(browser, expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "tr[data-redress=R1]")))
    assert "pending_approval" in str(row.get_attribute("class")) and "等待经理审批" in row.text
    assert "800" in row.text and "退款" in row.text
    assert "补救待审批" in _text_of(browser, "section.holds")
    assert "waits for" in _text_of(browser, ".flash")  # the API's answer, kept above the redrawn page
    assert browser.find_elements(By.CSS_SELECTOR, "form[data-action=redress-decision]") == []  # not the recorder's

    # When the manager opens the complaint, the approval is offered; the manager approves
    _sign_in(browser, stack, "mgr-lu")
    _open(browser, cid)
    decision = _form(browser, "form[data-action=redress-decision][data-redress=R1]")
    Select(decision.find_element(By.NAME, "approved")).select_by_value("true")
    decision.find_element(By.NAME, "note").send_keys("按标准退还")
    decision.find_element(By.CSS_SELECTOR, "button").click()
    # Then the refund stands, in the desk's words, and nothing holds the resolution any more
    _wait(browser, lambda d: "已批准" in _text_of(d, "tr[data-redress=R1]"))
    assert browser.find_elements(By.CSS_SELECTOR, "section.holds") == []
    assert browser.find_elements(By.CSS_SELECTOR, "form[data-action=redress-decision]") == []
    stored = client.show(cid, "mgr-lu")["redress"][0]
    assert stored["state"] == "approved" and stored["decided_by"] == "mgr-lu"
    _words_of_the_desk(browser.find_element(By.CSS_SELECTOR, "[data-view=complaint]"))
    _screenshot(browser, "hospital-redress-approved-zh-CN.png")


def test_a_consultation_is_asked_and_answered_and_a_bad_field_is_marked_with_nothing_stored(
        stack: LocalStack, client: DeskClient, browser: WebDriver) -> None:
    client.to_daytime()
    cid = client.submit("demo-portal", _patient(NURSING))["complaint_id"]
    owner = scenarios.accept(client, cid)
    _sign_in(browser, stack, owner, lang="en")
    _open(browser, cid)

    # An assist given to someone outside the department named is refused, the field marked, nothing stored
    assist = _form(browser, "form[data-action=assist]")
    Select(assist.find_element(By.NAME, "department")).select_by_value("finance")
    Select(assist.find_element(By.NAME, "owner")).select_by_value("a-su")  # of the patient service centre
    assist.find_element(By.NAME, "task").send_keys("Check the drip fee on the bill")
    assist.find_element(By.CSS_SELECTOR, "button").click()
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "form[data-action=assist] [name=owner][aria-invalid]"))
    assert "owner" in _text_of(browser, "form[data-action=assist] output.error")
    assert "is not an agent of finance" in _text_of(browser, "form[data-action=assist] .field-error")
    assert client.show(cid, owner)["assists"] == []

    # The owner consults finance
    consult = _form(browser, "form[data-action=consult]")
    Select(consult.find_element(By.NAME, "department")).select_by_value("finance")
    consult.find_element(By.NAME, "question").send_keys("Was the cannula charged twice?")
    consult.find_element(By.CSS_SELECTOR, "button").click()
    _wait(browser, expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "tr[data-consult=Q1]")))

    # Finance's agent answers from the complaint's page, which finance may see while it is consulted
    _sign_in(browser, stack, "f-wei", lang="en")
    _open(browser, cid)
    _words_of_the_desk(browser.find_element(By.CSS_SELECTOR, "[data-view=complaint]"))
    answer = _form(browser, "form[data-action=consult-answer][data-consult=Q1]")
    answer.find_element(By.NAME, "answer").send_keys("Charged once; the second line was a reversal")
    answer.find_element(By.CSS_SELECTOR, "button").click()
    # Then the answer is taken (and finance, no longer consulted, keeps the page with the answer's receipt)
    _wait(browser, lambda d: "Q1 answered" in _text_of(d, "form[data-action=consult-answer] output"))
    consulted = client.show(cid, owner)["consultations"][0]
    assert consulted["answered_by"] == "f-wei"
    assert {p["kind"]: p["state"] for p in client.show(cid, owner)["promises"]}["consult:Q1"] == "kept"
    # and the owner reads it on the complaint
    _sign_in(browser, stack, owner, lang="en")
    _open(browser, cid)
    assert "reversal" in _text_of(browser, "tr[data-consult=Q1]")
    _words_of_the_desk(browser.find_element(By.CSS_SELECTOR, "[data-view=complaint]"))
    _screenshot(browser, "hospital-consultation-en.png")


def test_a_dispute_s_records_are_sealed_and_it_is_settled_from_its_panel(
        stack: LocalStack, client: DeskClient, browser: WebDriver) -> None:
    # Given a complication with a compensation claim: a dispute owned by medical affairs
    client.to_daytime()
    cid = client.submit("demo-portal", _patient(COMPLICATION))["complaint_id"]
    owner = scenarios.accept(client, cid)
    assert client.show(cid, owner)["department"] == "medical_affairs"
    _sign_in(browser, stack, owner)
    _open(browser, cid)
    panel = _form(browser, "section.dispute")
    assert panel.get_attribute("data-dispute") == "open"
    assert "尚未记录" in panel.find_element(By.CSS_SELECTOR, "[data-step=records_sealed]").text
    sealing = panel.find_element(By.CSS_SELECTOR, ".dispute-deadlines tr[data-kind=records_sealing]")
    assert sealing.find_elements(By.CSS_SELECTOR, "[data-due] .countdown"), "how far off the sealing is"

    # When the records are sealed through the form
    step = _form(browser, "form[data-action=dispute-step]")
    Select(step.find_element(By.NAME, "step")).select_by_value("records_sealed")
    step.find_element(By.NAME, "reference").send_keys("FC-2026-118")
    step.find_element(By.NAME, "note").send_keys("病历封存，患方签字")
    step.find_element(By.CSS_SELECTOR, "button").click()
    # Then the panel says when and by whom, and the sealing deadline is kept
    _wait(browser, lambda d: "FC-2026-118" in _text_of(d, "section.dispute dd [data-step=records_sealed]"))
    assert owner in _text_of(browser, "section.dispute dd [data-step=records_sealed]")
    assert "kept" in str(browser.find_element(
        By.CSS_SELECTOR, ".dispute-deadlines tr[data-kind=records_sealing]").get_attribute("class"))

    # When the owner settles it with a compensation above their limit (an agent of this desk grants nothing alone)
    settle = _form(browser, "form[data-action=dispute-settle]")
    assert "您录入的金额均须等待经理审批" in settle.text
    Select(settle.find_element(By.NAME, "way")).select_by_value("mediation")
    settle.find_element(By.NAME, "compensation").send_keys("86417")
    settle.find_element(By.NAME, "agreement_reference").send_keys("YTW-2026-0412")
    settle.find_element(By.CSS_SELECTOR, "button").click()
    # Then the settlement waits, its compensation recorded as redress R1 for the manager's approval
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "section.dispute[data-dispute=pending_approval]"))
    settled = _text_of(browser, "section.dispute .settlement")
    assert "86,417 CNY" in settled and "人民调解（医调委）" in settled and "YTW-2026-0412" in settled
    assert "R1 · 待审批" in settled
    assert browser.find_elements(By.CSS_SELECTOR, "form[data-action=dispute-settle]") == []
    shown = client.show(cid, owner)
    assert (shown["dispute"]["settlement"]["redress_id"], shown["redress"][0]["state"]) == ("R1", "pending_approval")

    # When the manager opens it and approves the compensation
    _sign_in(browser, stack, "mgr-lu")
    _open(browser, cid)
    assert "general-surgery-3" in _text_of(browser, "[data-location=ward]")  # where the patient was: 病区或门诊
    decision = _form(browser, "form[data-action=redress-decision][data-redress=R1]")
    Select(decision.find_element(By.NAME, "approved")).select_by_value("true")
    decision.find_element(By.CSS_SELECTOR, "button").click()
    # Then the settlement stands, its compensation approved by the manager
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "section.dispute[data-dispute=settled]"))
    assert "已批准" in _text_of(browser, "section.dispute .settlement [data-redress=R1]")
    assert client.show(cid, owner)["dispute"]["settlement"]["compensation"] == 86417
    view = browser.find_element(By.CSS_SELECTOR, "[data-view=complaint]")
    assert "封存病历（FC-2026-118）" in view.find_element(By.CSS_SELECTOR, ".timeline").text
    _words_of_the_desk(view)
    _screenshot(browser, "hospital-dispute-zh-CN.png")


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_hospital_s_pages_show_its_names_and_no_telecom_desk_s_words(
        stack: LocalStack, browser: WebDriver, lang: str) -> None:
    _sign_in(browser, stack, "mgr-lu", lang)
    for hash_, name in (("#/queue/medical_affairs", "queue"), ("#/board", "board"), ("#/reports", "reports"),
                        ("#/search", "search")):
        browser.execute_script("document.querySelector('#view').innerHTML = ''; location.hash = arguments[0];",
                               hash_)
        view = _wait(browser, expected_conditions.presence_of_element_located(
            (By.CSS_SELECTOR, f"[data-view={name}]")))
        assert telecom_words("hospital", view.text) == [], name
        if lang == "zh-CN":
            assert raw_keys(view.text) == [], f"{name}: {raw_keys(view.text)}"
