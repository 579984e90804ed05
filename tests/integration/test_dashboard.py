"""The dashboard in headless Chromium (Debian's chromium + chromedriver, driven by Selenium):
it loads, shows a queue's figures, follows an event within 2 s, and the file 0 switch works."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from acd import events as ev
from tests.integration.harness import TOKENS, AppThread

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("Debian chromium and chromium-driver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--window-size=1600,900",
                f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(predicate: Callable[[], bool], timeout: float, what: str) -> float:
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)
    return time.monotonic() - start


def test_dashboard_live_in_headless_chromium(browser: object, redis_url: str,
                                             tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver

    assert isinstance(browser, WebDriver)
    driver = browser
    with AppThread(redis_url, tmp_path / "data") as app:  # real time (asyncio clock)
        for agent in ("a1", "a2", "b1"):
            assert app.submit(ev.AgentLoggedIn(agent))
        assert app.submit(ev.AgentPaused("a2", "lunch"))
        driver.get(f"{app.url}/dashboard#token={TOKENS['supervisor']}")

        def field(queue: str, name: str) -> str:
            found = driver.find_elements(By.CSS_SELECTOR,
                                         f'#queue-{queue} [data-field="{name}"]')
            return str(found[0].text) if found else ""

        _wait(lambda: field("support", "agents-available") == "1", 10, "the support card")
        assert field("support", "agents-paused") == "1"
        assert field("billing", "agents-available") == "1"
        assert field("support", "waiting") == "0"
        assert driver.find_element(By.ID, "conn").text == "live"

        # a1 takes c1 (ringing: not answered), c2 then waits: the screen follows within 2 s
        assert app.submit(ev.CallQueued("c1", "support", caller="0601"))
        assert app.submit(ev.CallQueued("c2", "support", caller="0602"))
        took = _wait(lambda: field("support", "waiting") == "2", 2.0, "2 waiting calls")
        print(f"dashboard followed the event in {took * 1000:.0f} ms")
        _wait(lambda: field("support", "agents-ringing") == "1", 2.0, "a ringing agent")
        assert app.submit(ev.AgentAnswered("c1", "a1"))
        _wait(lambda: field("support", "in_progress") == "1", 2.0, "a call in progress")
        _wait(lambda: field("support", "waiting") == "1", 2.0, "1 waiting call")
        assert app.submit(ev.CallerHungUp("c2"))
        _wait(lambda: field("support", "abandoned") == "1", 2.0, "an abandon")
        assert "0602" not in driver.page_source  # no caller number on the wall

        # the file 0 switch
        driver.find_element(By.ID, "file0-text").send_keys("Le site de dépôt est en panne.")
        driver.find_element(By.ID, "file0-reason").send_keys("incident 42")
        driver.find_element(By.ID, "file0-switch").click()
        state = driver.find_element(By.ID, "file0-state")
        _wait(lambda: state.text.startswith("ON"), 2.0, "file 0 on")
        now = app.call(app.view.now)
        active = app.call(lambda: app.view.file0.active(now))
        assert [(a.reason, a.requested_by) for a in active] == [("incident 42", "supervisor-1")]
        assert "en panne" in state.text
        shot = tmp_path / "dashboard.png"
        driver.save_screenshot(str(shot))
        print(f"dashboard screenshot: {shot}")
        assert shot.stat().st_size > 10_000
        driver.find_element(By.ID, "file0-switch").click()
        _wait(lambda: state.text == "OFF", 2.0, "file 0 off")
        now = app.call(app.view.now)
        assert app.call(lambda: app.view.file0.active(now)) == []
        assert app.submit(ev.AgentHungUp("c1"))
