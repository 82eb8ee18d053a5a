"""Harness for the end-to-end browser tests: a real sarwatch server and headless Chromium.

Chromium is Debian's (``apt-get install chromium``; ``.ci/run`` installs it), driven by
Playwright's Python API with ``executable_path``: Playwright's own browser download is
never used. Tests skip with a clear reason when Chromium, Playwright or the built page
is missing (the machine cannot run them), and fail when an endpoint a test needs is not
served (404/405) or a command is missing: routes and commands are registered
explicitly, so a missing one is a defect of the build, never a reason to skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from _live import CHROMIUM_ARGS, free_port, wait_until_healthy

REPO = Path(__file__).resolve().parent.parent
DIST = REPO / "src" / "sarwatch" / "web" / "static" / "dist"
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
LAPTOP = {"width": 1366, "height": 800}
TABLET = {"width": 820, "height": 1180}


def chromium_path() -> str:
    return os.environ.get("SARWATCH_CHROMIUM", "/usr/bin/chromium")


class Server:
    """``sarwatch serve --demo`` in a subprocess with its own home directory."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, SARWATCH_HOME_DIR=str(home), SARWATCH_PORT=str(self.port))
        self.env = env
        self.log = (home / "server.log").open("wb")
        self.process = subprocess.Popen(
            # As `make run` starts it: `sarwatch serve --demo` (the demo case in an empty store).
            [sys.executable, "-m", "sarwatch", "serve", "--demo", "--port", str(self.port)],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        # A fresh machine builds the coastline and land-mask caches at start-up (~30 s).
        wait_until_healthy(
            self.process,
            self.url,
            timeout_s=180,
            output=lambda: (home / "server.log").read_text(errors="replace"),
        )

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        *,
        timeout_s: float = 30.0,
    ) -> tuple[int, Any]:
        """One JSON request; returns ``(status, parsed body or text)``."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if body is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=timeout_s) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode("utf-8", "replace")

    def require(self, method: str, path: str, what: str, body: Any = None) -> None:
        """Fail the test when this build does not serve ``path`` (404 without a sarwatch
        error, or 405)."""
        status, answer = self.request(method, path, body)
        if status == 404 and not (isinstance(answer, dict) and "error" in answer):
            pytest.fail(f"{what} ({method} {path}) is not served by this build")
        if status == 405:
            pytest.fail(f"{what} ({method} {path}) is not served by this build")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def iso_from_now(delta: timedelta) -> str:
    """Now plus ``delta`` as the API writes times (ISO 8601, UTC, whole seconds)."""
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def open_case_at_sea(server: Server, token: str, title: str) -> str:
    """A case opened through the API half an hour ago, with a GPS position at sea north of
    Tripoli (33.6°N 12.9°E): its id."""
    when = iso_from_now(timedelta(minutes=-30))
    status, case = server.request(
        "POST", "/api/cases",
        {"title": title, "alert_time": when, "position": {
            "time": when, "lat": 33.6, "lon": 12.9, "kind": "gps",
            "source": {"name": "Alarm Phone"}}},
        token,
    )  # fmt: skip
    assert status == 201, case
    return str(case["case_id"])


def make_token(server: Server, name: str, role: str) -> str:
    """A bearer token for a new user, made with the ``sarwatch user add`` command."""
    sarwatch = shutil.which("sarwatch", path=str(Path(sys.executable).parent))
    if sarwatch is None:
        pytest.skip("the sarwatch command is not installed")
    result = subprocess.run(
        [sarwatch, "user", "add", name, "--role", role],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode != 0:
        if "No such command" in result.stderr:
            pytest.fail("`sarwatch user add` is missing from this build")
        raise RuntimeError(f"sarwatch user add failed: {result.stderr}")
    token = result.stdout.strip().split()[-1]
    return token


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    if not (DIST / "index.html").is_file():
        pytest.skip("the map page is not built: run `make web`")
    srv = Server(tmp_path_factory.mktemp("sarwatch-home"))
    try:
        # Layers are built once per machine (the zone lines take ~10 s): not inside a page's wait.
        for layer in ("coast?zoom=6", "srr", "zones"):
            status, _ = srv.request("GET", f"/api/layers/{layer}", timeout_s=300)
            assert status == 200, f"/api/layers/{layer} answered {status}"
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright (Python) is not installed: pip install '.[dev]'"
    )
    path = chromium_path()
    if not Path(path).exists():
        pytest.skip(
            f"Chromium not found at {path}: apt-get install chromium (or set SARWATCH_CHROMIUM)"
        )
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


class Page:
    """A page with its console errors and every request URL recorded."""

    def __init__(self, browser: Any, server: Server, viewport: dict[str, int]) -> None:
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.server = server
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("request", lambda req: self.requests.append(req.url))

    def open(self, path: str = "/", token: str | None = None) -> Any:
        if token:
            self.page.add_init_script(
                f"localStorage.setItem('sarwatch.token', {json.dumps(token)})"
            )
        self.page.goto(self.server.url + path)
        self.page.wait_for_selector("body[data-interactive]", timeout=20_000)
        return self.page

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def click_sea(self, lat: float, lon: float) -> None:
        """Click the map at a position (the map is first centred on it)."""
        self.page.evaluate(f"window.sarwatch.map.setView([{lat}, {lon}], 7, {{animate: false}})")
        point = self.page.evaluate(
            f"(() => {{ const p = window.sarwatch.map.latLngToContainerPoint([{lat}, {lon}]);"
            " const r = document.getElementById('map').getBoundingClientRect();"
            " return [r.left + p.x, r.top + p.y]; })()"
        )
        self.page.mouse.click(point[0], point[1])

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def laptop(browser, server) -> Iterator[Page]:
    page = Page(browser, server, LAPTOP)
    try:
        yield page
    finally:
        page.close()


# The WCAG 2 contrast of an element's text against the background of each element it lies
# on (its own, inherited from the first ancestor with a background, and that of every
# other element given whose box it overlaps): [[name, ratio], ...] from computed styles.
_TEXT_CONTRASTS_JS = """([textSel, others]) => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const opaque = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const lum = (c) => {
    const [r, g, b] = c.map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const overlap = (a, b) =>
    a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const text = document.querySelector(textSel);
  const colour = rgb(getComputedStyle(text).color).slice(0, 3);
  const box = text.getBoundingClientRect();
  const out = [["own background", ratio(colour, opaque(text))]];
  for (const sel of others) {
    const el = document.querySelector(sel);
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && overlap(box, r)) out.push([sel, ratio(colour, opaque(el))]);
  }
  return out;
}"""


def text_contrasts(page: Any, text: str, backgrounds: list[str]) -> list[tuple[str, float]]:
    """WCAG contrast ratios of the text of the element ``text`` against its own background
    and against that of each element of ``backgrounds`` (selectors) it overlaps."""
    found = page.evaluate(_TEXT_CONTRASTS_JS, [text, backgrounds])
    return [(str(name), float(value)) for name, value in found]
