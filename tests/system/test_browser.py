"""End-to-end tests of the web UI in a real headless Chromium, driven by Selenium over HTTP.

They need Debian's ``chromium`` and ``chromium-driver`` (``make browser`` installs them) and are
skipped when either is missing. One browser and one waitress server serve the whole module. The
results page's screenshot goes to ``artifacts/browser/results.png`` under the project root, or
under ``$SEARCHAPP_ARTIFACTS/browser/`` when that variable is set.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit
from urllib.request import urlopen

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.wait import WebDriverWait

from searchapp.web import create_app
from tests.conftest import serve_in_thread

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
if not (CHROMIUM and CHROMEDRIVER):
    missing = " and ".join(
        name for name, path in (("chromium", CHROMIUM), ("chromedriver", CHROMEDRIVER)) if not path
    )
    pytest.skip(
        f"browser tests need Debian's chromium and chromium-driver ({missing} not found); "
        "install them with `make system`",
        allow_module_level=True,
    )

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("SEARCHAPP_ARTIFACTS") or ROOT / "artifacts") / "browser"
# Without the networking flags Chromium keeps calling Google services, which on a closed
# network only floods it with refused connections.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
)
TIMEOUT = 10  # seconds; pages come from a local server, so only a broken page waits this long


@pytest.fixture(scope="module")
def base_url(fixture_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app served for real by waitress on an ephemeral port, in a background thread."""
    app = create_app(
        {
            "INDEX_DIR": fixture_index,
            "SEEDS_DIR": tmp_path_factory.mktemp("browser-seeds"),
            "RATE_LIMIT": "off",
        }
    )
    with serve_in_thread(app) as port:
        yield f"http://127.0.0.1:{port}"
    app.extensions["searchapp"].close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The explicit driver path already keeps Selenium Manager from running; offline mode makes
    # sure nothing is ever downloaded should that change.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SE_OFFLINE", "true")
        driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
        yield driver
        driver.quit()


@pytest.fixture(autouse=True)
def console(browser: WebDriver) -> Iterator[None]:
    """Each test checks only the console messages of its own pages."""
    browser.get_log("browser")
    yield


# -- helpers -------------------------------------------------------------------------------


def wait(browser: WebDriver) -> WebDriverWait:
    return WebDriverWait(browser, TIMEOUT)


def follow(browser: WebDriver, action) -> None:
    """Run ``action`` (a click or a key press) and wait until it has loaded the next page."""
    old = browser.find_element(By.TAG_NAME, "html")
    action()
    wait(browser).until(EC.staleness_of(old))
    wait(browser).until(lambda d: d.execute_script("return document.readyState") == "complete")


def type_query(browser: WebDriver, base_url: str, query: str) -> None:
    """Type ``query`` into the home page's search box and press Enter."""
    browser.get(base_url + "/")
    box = search_box(browser)
    wait(browser).until(lambda d: d.switch_to.active_element == box)  # autofocus
    box.send_keys(query)
    follow(browser, lambda: box.send_keys(Keys.ENTER))


def search_box(browser: WebDriver) -> WebElement:
    return browser.find_element(By.CSS_SELECTOR, "form.search input[name=q]")


def query_args(browser: WebDriver) -> dict[str, list[str]]:
    return parse_qs(urlsplit(browser.current_url).query)


def summary(browser: WebDriver) -> str:
    return browser.find_element(By.CSS_SELECTOR, ".summary > span").text


def hits(browser: WebDriver) -> list[WebElement]:
    return browser.find_elements(By.CSS_SELECTOR, "ol.results > li")


def hit_ids(browser: WebDriver) -> list[str]:
    links = browser.find_elements(By.CSS_SELECTOR, "ol.results > li h2 a")
    return [urlsplit(a.get_attribute("href")).path.removeprefix("/article/") for a in links]


def api_ids(base_url: str, **params: str) -> list[str]:
    """The engine's ranking of the same search, from the JSON API of the same server."""
    with urlopen(f"{base_url}/api/search?{urlencode(params)}", timeout=TIMEOUT) as response:
        data = json.load(response)
    scores = [r["score"] for r in data["results"]]
    assert scores == sorted(scores, reverse=True)
    return [r["id"] for r in data["results"]]


def marked(element: WebElement) -> set[str]:
    return {m.text.lower() for m in element.find_elements(By.TAG_NAME, "mark")}


def notice(browser: WebDriver) -> WebElement:
    return browser.find_element(By.CSS_SELECTOR, "p.notice")


def assert_no_console_errors(browser: WebDriver) -> None:
    """Nothing the page did was refused or failed: CSP violations, failed loads (a favicon
    included), script errors all show up in the console as SEVERE."""
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def assert_styled(browser: WebDriver) -> None:
    """The stylesheet applied, wherever it comes from: these differ from Chromium's defaults."""
    assert browser.find_element(By.TAG_NAME, "body").value_of_css_property("margin-top") == "0px"
    form = browser.find_element(By.CSS_SELECTOR, "form.search")
    assert form.value_of_css_property("display") == "flex"
    for results in browser.find_elements(By.CSS_SELECTOR, "ol.results"):
        assert results.value_of_css_property("list-style-type") == "none"


# -- tests ---------------------------------------------------------------------------------


def test_typing_a_query_shows_ranked_highlighted_results(browser: WebDriver, base_url: str):
    """Also saves the results page's screenshot to artifacts/browser/results.png (or to
    $SEARCHAPP_ARTIFACTS/browser/results.png)."""
    type_query(browser, base_url, "spies")
    assert urlsplit(browser.current_url).path == "/search"
    assert query_args(browser) == {"q": ["spies"]}
    assert search_box(browser).get_attribute("value") == "spies"  # the box keeps the query
    assert summary(browser).startswith("4 results")
    assert hit_ids(browser) == api_ids(base_url, q="spies")
    # Every hit shows why it matched (the words or their synonyms), in its title or snippet.
    assert all(marked(hit) for hit in hits(browser))
    assert "spies" in set().union(*(marked(hit) for hit in hits(browser)))
    assert_styled(browser)
    # The highlight is the page's own colour, not Chromium's default yellow.
    mark = browser.find_element(By.CSS_SELECTOR, "ol.results mark")
    assert mark.value_of_css_property("background-color") != "rgba(255, 255, 0, 1)"

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "results.png"
    screenshot.unlink(missing_ok=True)
    assert browser.save_screenshot(str(screenshot))
    data = screenshot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    assert_no_console_errors(browser)


def test_following_did_you_mean(browser: WebDriver, base_url: str):
    type_query(browser, base_url, "Skripall spies")
    assert notice(browser).text == "Did you mean skripal spies?"
    link = notice(browser).find_element(By.TAG_NAME, "a")
    follow(browser, link.click)
    assert query_args(browser) == {"q": ["skripal spies"]}
    assert browser.find_elements(By.CSS_SELECTOR, "p.notice") == []
    assert summary(browser).startswith("4 results")
    assert "skripal" in marked(hits(browser)[0])
    assert_no_console_errors(browser)


def test_corrected_query_and_searching_instead_for_the_words_typed(
    browser: WebDriver, base_url: str
):
    type_query(browser, base_url, "novichock")
    assert notice(browser).text.startswith("Showing results for novichok.")
    assert hit_ids(browser) == ["nerve-agent"]
    assert "novichok" in marked(hits(browser)[0])
    follow(browser, browser.find_element(By.LINK_TEXT, "novichock").click)
    assert query_args(browser) == {"q": ["novichock"], "exact": ["1"]}
    assert summary(browser).startswith("No results")
    assert hits(browser) == []
    assert_no_console_errors(browser)


def test_paging_forward_and_back(browser: WebDriver, base_url: str):
    ranking = api_ids(base_url, q="spies", per_page="10")
    browser.get(f"{base_url}/search?{urlencode({'q': 'spies', 'per_page': 1})}")

    def page() -> tuple[str, list[str]]:
        current = browser.find_element(By.CSS_SELECTOR, "nav.pages .current").text
        start = browser.find_element(By.CSS_SELECTOR, "ol.results").get_attribute("start")
        assert start == current  # the list numbers its one hit by its rank
        return current, hit_ids(browser)

    seen = [page()]
    while next_links := browser.find_elements(By.CSS_SELECTOR, "nav.pages a[rel=next]"):
        follow(browser, next_links[0].click)
        seen.append(page())
    # Page by page, the hits are the whole ranking in order, one each.
    assert seen == [(str(n), [id_]) for n, id_ in enumerate(ranking, start=1)]
    assert len(seen) >= 2
    assert browser.find_element(By.CSS_SELECTOR, ".summary > span").text.endswith(
        f"· page {len(seen)}"
    )

    follow(browser, browser.find_element(By.CSS_SELECTOR, "nav.pages a[rel=prev]").click)
    assert page() == seen[-2]
    follow(browser, browser.back)
    assert page() == seen[-1]
    follow(browser, browser.back)
    assert page() == seen[-2]
    follow(browser, browser.forward)
    assert page() == seen[-1]
    assert_no_console_errors(browser)


def test_opening_an_article_from_a_result(browser: WebDriver, base_url: str):
    type_query(browser, base_url, "poisoned")
    first = browser.find_element(By.CSS_SELECTOR, "ol.results > li h2 a")
    title = first.text
    follow(browser, first.click)
    assert urlsplit(browser.current_url).path == "/article/nerve-agent"
    heading = browser.find_element(By.CSS_SELECTOR, "article h1")
    assert heading.text == title
    assert marked(heading) == {"poisoned"}
    body = browser.find_elements(By.CSS_SELECTOR, "article > p:not(.meta)")
    assert len(body) >= 2
    assert {"poison", "poisoned"} & set().union(*(marked(p) for p in body))
    assert_styled(browser)

    follow(browser, browser.find_element(By.PARTIAL_LINK_TEXT, "Back to results").click)
    assert query_args(browser) == {"q": ["poisoned"]}
    assert summary(browser).startswith("2 results")
    assert_no_console_errors(browser)


def test_facets_filter_the_results_and_come_off_again(browser: WebDriver, base_url: str):
    type_query(browser, base_url, "hackers")
    assert summary(browser).startswith("4 results")
    assert browser.find_elements(By.CSS_SELECTOR, ".chips a.chip") == []

    def facet_link(facet: str, value: str) -> WebElement:
        section = browser.find_element(By.CSS_SELECTOR, f'aside.facets [data-facet="{facet}"]')
        return section.find_element(By.LINK_TEXT, value)

    # A tag from the sidebar: fewer results, all with that tag, and a chip to remove it.
    follow(browser, facet_link("tag", "disinformation").click)
    assert query_args(browser) == {"q": ["hackers"], "tag": ["disinformation"]}
    assert summary(browser).startswith("2 results")
    for hit in hits(browser):
        tags = {a.text for a in hit.find_elements(By.CSS_SELECTOR, ".tags a.tag")}
        assert "disinformation" in tags
    selected = browser.find_elements(By.CSS_SELECTOR, "aside.facets li.selected a")
    assert [a.text for a in selected] == ["disinformation"]
    chip = browser.find_element(By.CSS_SELECTOR, ".chips a.chip")
    assert chip.text == "tag: disinformation ✕"
    follow(browser, chip.click)
    assert query_args(browser) == {"q": ["hackers"]}
    assert summary(browser).startswith("4 results")

    # A year, taken off again from the sidebar itself.
    follow(browser, facet_link("year", "2016").click)
    assert query_args(browser) == {"q": ["hackers"], "year": ["2016"]}
    assert summary(browser).startswith("1 result")
    follow(browser, facet_link("year", "2016").click)
    assert query_args(browser) == {"q": ["hackers"]}
    assert summary(browser).startswith("4 results")
    assert_no_console_errors(browser)
