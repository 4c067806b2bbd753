"""The real page in headless Chromium (selenium): type changes, improvise, hear, see, download.

Skipped where Chromium or its driver is missing (``apt-get install chromium chromium-driver``;
``.ci/run`` installs both, so CI always runs it). The screenshot goes to ``tmp_path``, or to
``$JAZZSOLO_WEB_SCREENSHOT`` (the README's ``docs/web.png`` is made that way).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
if not (CHROMIUM and CHROMEDRIVER):
    pytest.skip("Chromium or chromedriver missing (apt-get install chromium chromium-driver)",
                allow_module_level=True)
pytest.importorskip("selenium", reason="selenium is not installed")
pytest.importorskip("uvicorn", reason="the web extra (uvicorn) is not installed")

import symusic  # noqa: E402
import uvicorn  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

from jazzsolo.web.app import bind, create_app  # noqa: E402

WAIT_S = 90  # bounded waits: a busy 2-core machine renders a take in a few seconds


@pytest.fixture(scope="module")
def server_url():
    """The real server on a free loopback port, in a thread; the port is polled until it
    answers (a bounded number of tries)."""
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    for _ in range(30):
        try:
            with urllib.request.urlopen(f"{url}/api/options", timeout=5) as answer:
                if answer.status == 200:
                    break
        except OSError:
            continue
    else:
        pytest.fail(f"the server at {url} never answered")
    yield url
    server.should_exit = True
    thread.join(timeout=30)
    sock.close()


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1360,1000", "--autoplay-policy=no-user-gesture-required",
                "--mute-audio"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options,
                              service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    yield driver
    driver.quit()


def _wait(driver, script: str, what: str):
    """Poll ``script`` (JavaScript returning a truthy value when done) with a bounded wait."""
    return WebDriverWait(driver, WAIT_S, poll_frequency=0.1).until(
        lambda d: d.execute_script(script), message=f"waited {WAIT_S} s for {what}")


def _type(driver, element_id: str, text: str) -> None:
    box = driver.find_element(By.ID, element_id)
    box.clear()
    box.send_keys(text)


def _wait_for_take(driver, number: int) -> None:
    _wait(driver, f"return document.querySelectorAll('#takes li').length === {number}",
          f"take {number} in the list")
    _wait(driver, "const a = document.getElementById('audio');"
                  "return a.readyState >= 2 && a.duration > 0 && isFinite(a.duration);",
          "playable audio")
    _wait(driver, "const i = document.getElementById('roll');"
                  "return i.complete && i.naturalWidth > 0;", "the piano roll")


def test_improvise_in_the_browser(server_url, browser, tmp_path):
    browser.get(server_url + "/")
    _wait(browser, "return document.getElementById('progression').options.length > 5",
          "the progressions from the API")
    with urllib.request.urlopen(server_url + "/api/options", timeout=30) as answer:
        options = json.load(answer)
    # The default model (the jazz model where its weights ship) is listed first and chosen.
    from jazzsolo.models import DEFAULT_MODEL

    models = Select(browser.find_element(By.ID, "model"))
    assert models.options[0].get_attribute("value") == DEFAULT_MODEL == options["defaults"][
        "model"]
    assert models.first_selected_option.get_attribute("value") == DEFAULT_MODEL
    # The band has landed: its controls show, and the take plays in the swing style.
    assert "swing" in options["features"]["styles"]
    for row in ("row-bass", "row-style", "row-swing", "row-instrument"):
        assert browser.find_element(By.ID, row).is_displayed(), row
    Select(browser.find_element(By.ID, "style")).select_by_value("swing")
    Select(browser.find_element(By.ID, "instrument")).select_by_value("trumpet")
    # The jazz model plays as any player, or as one it learned by name.
    assert browser.find_element(By.ID, "row-player").is_displayed()
    players = Select(browser.find_element(By.ID, "player"))
    assert players.first_selected_option.text == "any player" and len(players.options) > 20
    players.select_by_index(1)
    player = players.first_selected_option.text  # shown as written: "Art Pepper"
    assert " " in player and player.replace(" ", "") == players.first_selected_option.get_attribute(
        "value")

    # Grace notes through the jazz model's position mask, on request.
    assert browser.find_element(By.ID, "row-ornaments").is_displayed()
    browser.find_element(By.ID, "ornaments").click()

    Select(browser.find_element(By.ID, "progression")).select_by_value("blues-f")
    assert "Gm7 C7" in browser.find_element(By.ID, "chords").get_attribute("value")

    _type(browser, "chords", "Dm7 G7 | Cmaj7 | A7alt | Dm7 G7")
    _type(browser, "tempo", "160")
    browser.find_element(By.ID, "improvise").click()
    _wait_for_take(browser, 1)
    # The slider's 1.0 is "no sampling option": the label names the pitch sampling used.
    from jazzsolo.generate_jazz import DEFAULT_CHORD_WEIGHT, DEFAULT_PITCH_TEMPERATURE

    label = browser.find_element(By.CSS_SELECTOR, "#takes li").text
    lean = f"chord tones +{DEFAULT_CHORD_WEIGHT:g}"
    expected = (f"T 1, {lean}" if DEFAULT_PITCH_TEMPERATURE == 1
                else f"T 1 (pitch {DEFAULT_PITCH_TEMPERATURE:g}, {lean})")
    assert expected in label and f"as {player}" in label and "grace notes" in label, label
    duration = browser.execute_script("return document.getElementById('audio').duration")
    assert duration >= 4 * 4 * 60 / 160  # four bars at 160 bpm, plus the reverb tail
    width = browser.execute_script("return document.getElementById('roll').naturalWidth")
    assert width >= 800

    href = browser.find_element(By.ID, "download-midi").get_attribute("href")
    assert href.startswith(server_url + "/api/solos/")
    with urllib.request.urlopen(href, timeout=30) as answer:
        score = symusic.Score.from_midi(answer.read())
    tracks = {t.name: t for t in score.tracks}
    assert len(tracks["Solo"].notes) > 4
    assert tracks["Solo"].program == 56  # GM trumpet, the soloist picked on the page
    drums = [t for t in score.tracks if t.is_drum]
    assert len(drums) == 1 and len(drums[0].notes) >= 4 * 4, "a drum track, every beat"
    assert score.end() <= 4 * 4 * score.tpq + score.tpq  # four bars (and a little release)
    assert round(score.tempos[0].qpm) == 160

    # The keyboard shortcut makes a second take; both stay listed to replay.
    ActionChains(browser).key_down(Keys.CONTROL).send_keys(Keys.ENTER).key_up(
        Keys.CONTROL).perform()
    _wait_for_take(browser, 2)
    assert browser.find_element(By.ID, "chords").get_attribute("value").count("\n") == 0
    shot = Path(os.environ.get("JAZZSOLO_WEB_SCREENSHOT") or tmp_path / "web.png")
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:4] == b"\x89PNG" and shot.stat().st_size > 20_000
    browser.find_element(By.CSS_SELECTOR, "#takes li:last-child button").click()  # take 1
    _wait(browser, "return document.getElementById('take-title').textContent === 'Take 1'",
          "take 1 shown again")

    # A mistyped chord is named inline, with its bar; no take is made.
    _type(browser, "chords", "Dm7 | Cmjx7")
    browser.find_element(By.ID, "improvise").click()
    error = browser.find_element(By.ID, "err-chords")
    WebDriverWait(browser, WAIT_S).until(lambda d: error.is_displayed())
    assert "unknown chord symbol 'Cmjx7' in bar 2" in error.text
    assert browser.find_element(By.ID, "chords").get_attribute("aria-invalid") == "true"
    assert len(browser.find_elements(By.CSS_SELECTOR, "#takes li")) == 2
    problems = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"
                and "/api/solos" not in e["message"]]  # the 422 itself is logged
    assert problems == [], problems


def test_the_page_needs_nothing_from_elsewhere(server_url, browser):
    browser.get(server_url + "/")
    _wait(browser, "return document.getElementById('model').options.length >= 1", "models")
    urls = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert urls and all(u.startswith(server_url) for u in urls), urls
