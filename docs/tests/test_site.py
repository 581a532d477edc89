"""The built documentation renders in a real browser: headless Chromium.

Run after building the site (``.ci/docs.sh`` does both)::

    .venv/bin/python -m sphinx -W --keep-going -b html docs docs/_build/html
    .venv/bin/python -m pytest -o addopts="" -p no:randomly docs/tests

The site is served over HTTP on the loopback interface, as a host would serve
it, and every page checked here must load its stylesheets and every image, with
no failed request in the browser's log. A screenshot of each page goes to
``docs/_build/screenshots/``.
"""

import base64
import functools
import html.parser
import http.server
import inspect
import os
import shutil
import threading
from pathlib import Path

import pytest

import skbareback

DOCS = Path(__file__).resolve().parents[1]
ROOT = DOCS.parent
HTML = DOCS / "_build" / "html"
SHOTS = DOCS / "_build" / "screenshots"
EXAMPLES = sorted(path.stem for path in (ROOT / "examples").glob("plot_*.py"))
GUIDE = sorted(path.stem for path in (DOCS / "user_guide").glob("*.rst"))
CLASSES = sorted(
    name for name in skbareback.__all__ if inspect.isclass(getattr(skbareback, name))
)

# Chromium as root in a container: no sandbox, no GPU, and nothing that reaches
# out to the network on its own.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1600",
]

# Whether an image has loaded, scrolling it into view first: a lazy image
# loads only near the viewport.
IMAGES_JS = """
const done = arguments[arguments.length - 1];
const images = Array.from(document.images);
for (const img of images) { img.loading = "eager"; img.scrollIntoView(); }
Promise.all(images.map(img => img.decode().catch(() => null))).then(() => {
  window.scrollTo(0, 0);
  done(images.map(img => ({
    src: img.getAttribute("src"),
    complete: img.complete,
    width: img.naturalWidth,
  })));
});
"""

# Every stylesheet link with its rule count; null rules: it did not load.
STYLESHEETS_JS = """
return Array.from(document.querySelectorAll('link[rel="stylesheet"]')).map(
  link => ({href: link.getAttribute("href"),
            rules: link.sheet ? link.sheet.cssRules.length : null}));
"""


# The attribute from which each tag loads what the page needs to render.
_LOADED_FROM = {"script": "src", "img": "src", "iframe": "src", "link": "href"}


class _ExternalResources(html.parser.HTMLParser):
    """Collect the scripts, stylesheets, images and frames loaded from a URL."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") not in {"stylesheet", "preload", "icon"}:
            return
        url = attrs.get(_LOADED_FROM.get(tag, ""), "") or ""
        if url.startswith(("http:", "https:", "//")):
            self.found.append(f"<{tag}> {url}")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def site():
    """The built site, served on an ephemeral loopback port; yields its URL."""
    if not (HTML / "index.html").is_file():
        pytest.fail(
            f"no built site at {HTML}: build it first with "
            "'.venv/bin/python -m sphinx -W --keep-going -b html docs docs/_build/html'"
        )
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium through Debian's chromedriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium")
    chromedriver = shutil.which("chromedriver")
    if not (chromium and chromedriver):
        pytest.fail(
            "chromium and chromedriver are needed: "
            "apt-get install -y chromium chromium-driver"
        )
    # Both binaries are given, so Selenium Manager has nothing to download;
    # SE_OFFLINE tells it not to try.
    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(chromedriver))
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(30)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def render(browser, site, page):
    """Open ``page``, check that it rendered whole, save its screenshot.

    Returns the page's images, for the checks particular to each page.
    """
    browser.get(f"{site}/{page}")
    assert browser.execute_script("return document.readyState") == "complete"
    assert browser.title.strip(), f"{page}: no title"
    assert browser.find_element("tag name", "h1").text.strip(), f"{page}: no h1"

    sheets = browser.execute_script(STYLESHEETS_JS)
    assert sheets, f"{page}: no stylesheet linked"
    missing = [s["href"] for s in sheets if not s["rules"]]
    assert not missing, f"{page}: stylesheets not loaded: {missing}"
    # The theme's own variables are set only if its stylesheet applies.
    primary = browser.execute_script(
        "return getComputedStyle(document.documentElement)"
        ".getPropertyValue('--pst-color-primary')"
    )
    assert primary.strip(), f"{page}: the theme's stylesheet does not apply"

    images = browser.execute_async_script(IMAGES_JS)
    broken = [img["src"] for img in images if not (img["complete"] and img["width"])]
    assert not broken, f"{page}: broken images: {broken}"

    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, f"{page}: errors in the browser's log: {errors}"

    name = page.replace("/", "_").removesuffix(".html")
    save_full_page(browser, SHOTS / f"{name}.png")
    return images


def save_full_page(browser, path):
    """Save a screenshot of the whole page, not only the window, as PNG."""
    size = browser.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {
        "x": 0,
        "y": 0,
        "width": size["width"],
        # Chromium cannot capture much taller than this in one image.
        "height": min(size["height"], 16_000),
        "scale": 1,
    }
    shot = browser.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"format": "png", "captureBeyondViewport": True, "clip": clip},
    )
    data = base64.b64decode(shot["data"])
    assert data.startswith(b"\x89PNG"), path
    path.write_bytes(data)


def test_there_is_something_to_check():
    assert len(EXAMPLES) >= 7, EXAMPLES
    assert len(GUIDE) >= 6, GUIDE
    assert "BareMLPClassifier" in CLASSES


def test_no_page_loads_anything_from_the_network(site):
    # Links to other sites are fine; what a page loads to render must be ours.
    pages = sorted(HTML.rglob("*.html"))
    assert len(pages) >= len(EXAMPLES) + len(GUIDE) + 3
    external = {}
    for page in pages:
        parser = _ExternalResources()
        parser.feed(page.read_text(encoding="utf-8"))
        if parser.found:
            external[str(page.relative_to(HTML))] = parser.found
    assert not external, external


def test_index(browser, site):
    render(browser, site, "index.html")
    # The README's Quick start, word for word.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("```bash\n", 1)[1].split("```", 1)[0]
    shown = browser.find_element("css selector", "main pre").text
    assert shown.strip() == quick_start.strip()
    links = {
        a.get_attribute("href").split("#")[0].removeprefix(site + "/")
        for a in browser.find_elements("css selector", "a.reference.internal")
    }
    for page in ["user_guide/index.html", "api/index.html", "auto_examples/index.html"]:
        assert page in links, f"the index does not link {page}"


@pytest.mark.parametrize("name", CLASSES)
def test_estimator_api_page(browser, site, name):
    render(browser, site, f"api/generated/skbareback.{name}.html")
    signature = browser.find_element("css selector", "dl.py.class > dt")
    assert f"skbareback.{name}" in signature.text
    # numpydoc rendered the sections, and the methods are documented.
    text = browser.find_element("tag name", "main").text
    for section in ["Parameters", "Attributes", "Examples"]:
        assert section in text, f"{name}: no {section} section"
    methods = browser.find_elements("css selector", "dl.py.method > dt")
    assert {"fit", "predict"} <= {m.get_attribute("id").split(".")[-1] for m in methods}


def test_api_index_and_cli_pages(browser, site):
    render(browser, site, "api/index.html")
    text = browser.find_element("tag name", "main").text
    for name in CLASSES + ["to_onnx"]:
        assert name in text, f"the API index does not list {name}"
    render(browser, site, "api/cli.html")
    usage = browser.find_element("css selector", "main pre").text
    assert usage.startswith("usage: python -m skbareback"), usage[:200]


@pytest.mark.parametrize("page", GUIDE)
def test_user_guide_page(browser, site, page):
    render(browser, site, f"user_guide/{page}.html")


def test_math_is_typeset_by_the_local_mathjax(browser, site):
    from selenium.webdriver.support.ui import WebDriverWait

    render(browser, site, "user_guide/defaults.html")
    scripts = [
        s.get_attribute("src") for s in browser.find_elements("tag name", "script")
    ]
    mathjax = [src for src in scripts if src and "mathjax" in src.lower()]
    assert mathjax and all(src.startswith(site) for src in mathjax), mathjax
    WebDriverWait(browser, 20).until(
        lambda b: b.find_elements("css selector", "mjx-container")
    )
    # Typesetting may load fonts and extensions: none may have failed.
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def test_speed_tables_are_rendered(browser, site):
    render(browser, site, "user_guide/speed.html")
    tables = browser.find_elements("css selector", "main table")
    source = (DOCS / "user_guide" / "speed.rst").read_text(encoding="utf-8")
    headers = [table.find_element("tag name", "thead").text for table in tables]
    bench = [t for t, h in zip(tables, headers) if "workload" in h and "fit" in h]
    assert len(bench) == source.count(".. bench-table::") >= 2
    # The rest: the engines' list-tables, each a header and its rows.
    assert len(tables) - len(bench) == source.count(".. list-table::")
    for table in bench:
        assert len(table.find_elements("css selector", "tbody tr")) >= 5


def test_gallery_index(browser, site):
    images = render(browser, site, "auto_examples/index.html")
    thumbnails = [img for img in images if "_thumb" in img["src"]]
    assert len(thumbnails) == len(EXAMPLES), [img["src"] for img in images]


@pytest.mark.parametrize("example", EXAMPLES)
def test_gallery_page(browser, site, example):
    images = render(browser, site, f"auto_examples/{example}.html")
    figures = [img for img in images if f"sphx_glr_{example}_0" in img["src"]]
    assert figures, f"{example}: no figure captured on its page"
    # The example's printed output is on the page too.
    outputs = browser.find_elements(
        "css selector", "pre.sphx-glr-script-out, .sphx-glr-script-out pre"
    )
    assert any(o.text.strip() for o in outputs), f"{example}: no printed output"
