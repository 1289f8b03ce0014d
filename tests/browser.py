"""A small Chrome DevTools Protocol (CDP) client for testing HTML reports in headless Chromium.

No Selenium, no Playwright: Chromium runs as a subprocess with a fresh temporary profile and
``--remote-debugging-port=0``; the port it chose is read from ``<profile>/DevToolsActivePort``,
the page target is found through ``/json/list`` and driven over one WebSocket
(``websocket-client``). Coordinates are CSS px, equal to screenshot px (device scale factor 1).
"""

from __future__ import annotations

import base64
import collections
import contextlib
import io
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import websocket

__all__ = ["BrowserError", "PageReport", "find_chromium", "region_is_blank", "render"]

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")  # after $CHROMIUM
FIRST_SCREEN_PX = 900  # viewport height while the page loads and lays out, CSS px
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")  # anything else is a forbidden request
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # no network: nothing in the background, and no host name resolves
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
)
Box = tuple[float, float, float, float]
# [[key, [x, y, w, h]], ...] for figure.plot elements, their graphics, every element with an id
BOXES_JS = """(() => {
  const box = (e) => { if (!e) return [0, 0, 0, 0]; const r = e.getBoundingClientRect();
    return [r.left + scrollX, r.top + scrollY, r.width, r.height]; };
  const plots = Array.from(document.querySelectorAll('figure.plot'),
                           (e, i) => [e.id || `figure.plot[${i}]`, e]);
  return JSON.stringify({
    plots: plots.map(([k, e]) => [k, box(e)]),
    graphics: plots.map(([k, e]) => [k, box(e.querySelector('svg, img, canvas, object'))]),
    ids: Array.from(document.querySelectorAll('[id]'), (e) => [e.id, box(e)]),
  });
})()"""


class BrowserError(RuntimeError):
    """Chromium could not be found, started or driven; the message says what and why."""


@dataclass
class PageReport:
    """What a page did when loaded in headless Chromium.

    Attributes
    ----------
    console_errors : list of str
        ``console.error`` / ``console.assert`` messages and browser log entries of level error.
    exceptions : list of str
        Uncaught JavaScript exceptions.
    failed_requests : list of str
        Requests that failed, and every request to a non-local URL (not file:, data:, about:,
        blob:), which a self-contained page must never make.
    text : str
        ``document.body.innerText`` (so CSS ``text-transform`` is applied).
    boxes : dict of str to (x, y, w, h)
        Every ``figure.plot`` element keyed by its id; document coordinates, CSS px.
    graphic_boxes : dict of str to (x, y, w, h)
        For each ``figure.plot`` (same keys), its first ``svg``/``img``/``canvas``/``object``:
        the plot itself without caption, border and padding; ``(0, 0, 0, 0)`` if it has none.
    id_boxes : dict of str to (x, y, w, h)
        Every element that has an id (e.g. ``"verdict"``); same coordinates.
    png : bytes
        Full-page screenshot, PNG, ``width`` × ``page_height_px`` px.
    page_height_px : int
        Document height, CSS px.
    elapsed_s : float
        Wall time from starting Chromium to having the screenshot, s.
    """

    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    text: str = ""
    boxes: dict[str, Box] = field(default_factory=dict)
    graphic_boxes: dict[str, Box] = field(default_factory=dict)
    id_boxes: dict[str, Box] = field(default_factory=dict)
    png: bytes = b""
    page_height_px: int = 0
    elapsed_s: float = 0.0
    _urls: dict[str, str] = field(default_factory=dict, repr=False)

    def on_event(self, method: str, p: dict) -> None:
        """Record one CDP event (``method``, ``params``) if it reports a problem."""
        if method == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert"):
            args = (str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            self.console_errors.append(f"console.{p['type']}: {' '.join(args)}")
        elif method == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            text = d.get("exception", {}).get("description") or d.get("text", "")
            self.exceptions.append(f"{text} ({d.get('url', '')}:{d.get('lineNumber', '?')})")
        elif method == "Log.entryAdded" and p["entry"]["level"] == "error":
            e = p["entry"]
            self.console_errors.append(f"{e['source']}: {e['text']} {e.get('url', '')}".strip())
        elif method == "Network.requestWillBeSent":
            url = self._urls[p["requestId"]] = p["request"]["url"]
            if not url.startswith(LOCAL_SCHEMES):
                self.failed_requests.append(f"forbidden non-local request: {url}")
        elif method == "Network.loadingFailed":
            url = self._urls.get(p["requestId"], "?")
            self.failed_requests.append(f"failed: {url}: {p.get('errorText', '')}")


def find_chromium() -> str | None:
    """Return the path of a Chromium executable, or None.

    Looks at ``$CHROMIUM`` (a name or a path), then ``chromium``, ``chromium-browser`` and
    ``google-chrome`` on ``PATH``: the same order as ``scripts/ensure-chromium.sh``.
    """
    for name in (os.environ.get("CHROMIUM", ""), *CANDIDATES):
        if name and (found := shutil.which(name)):
            return found
    return None


class _Cdp:
    """One CDP WebSocket: ``call`` waits for its reply and hands events to ``on_event``."""

    def __init__(self, url: str, deadline: float, on_event: Callable[[str, dict], None]) -> None:
        self.ws = websocket.create_connection(url, suppress_origin=True, timeout=10)
        self.deadline, self.on_event = deadline, on_event
        self.ids, self.seen = itertools.count(1), collections.Counter()

    def _recv(self, what: str) -> dict:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise BrowserError(f"timed out waiting for {what}")
        self.ws.settimeout(left)
        try:
            msg = json.loads(self.ws.recv())
        except websocket.WebSocketTimeoutException:
            raise BrowserError(f"timed out waiting for {what}") from None
        if "method" in msg:
            self.seen[msg["method"]] += 1
            self.on_event(msg["method"], msg.get("params", {}))
        return msg

    def call(self, method: str, **params) -> dict:
        i = next(self.ids)
        self.ws.send(json.dumps({"id": i, "method": method, "params": params}))
        while (msg := self._recv(method)).get("id") != i:
            pass
        if "error" in msg:
            raise BrowserError(f"{method} failed: {msg['error'].get('message', msg['error'])}")
        return msg.get("result", {})

    def wait_for(self, event: str) -> None:
        """Wait until ``event`` has arrived (now or earlier); consume one occurrence."""
        while not self.seen[event]:
            self._recv(event)
        self.seen[event] -= 1

    def evaluate(self, expression: str, *, await_promise: bool = False):
        res = self.call(
            "Runtime.evaluate",
            expression=expression,
            returnByValue=True,
            awaitPromise=await_promise,
        )
        if "exceptionDetails" in res:
            raise BrowserError(f"evaluating {expression[:40]!r} failed: {res['exceptionDetails']}")
        return res["result"].get("value")


def _start(
    chromium: str, profile: Path, log: Path, deadline: float
) -> tuple[subprocess.Popen, int]:
    """Start Chromium (in its own process group) and return it with its DevTools port."""
    with log.open("wb") as err:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [chromium, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=err,
            stderr=err,
            start_new_session=True,
        )
    port_file = profile / "DevToolsActivePort"
    while time.monotonic() < deadline and proc.poll() is None:
        lines = port_file.read_text().splitlines() if port_file.exists() else []
        if len(lines) >= 2 and lines[0].isdigit():  # port, then browser target path
            return proc, int(lines[0])
        time.sleep(0.05)
    why = "timed out" if proc.poll() is None else f"exited with code {proc.returncode}"
    _stop(proc)
    tail = log.read_text(errors="replace").strip().splitlines()[-15:]
    raise BrowserError(
        f"{chromium} {why} before writing {port_file.name}; its stderr ends:\n" + "\n".join(tail)
    )


def _stop(proc: subprocess.Popen) -> None:
    """Stop Chromium: SIGTERM (it shuts its helpers down), then SIGKILL what is left of its group."""
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(5)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # the group start_new_session made for it
    proc.wait(5)


def _page_ws_url(port: int, deadline: float) -> str:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    while time.monotonic() < deadline:
        with opener.open(f"http://127.0.0.1:{port}/json/list", timeout=5) as resp:
            pages = [t for t in json.load(resp) if t.get("type") == "page"]
        if pages:
            return pages[0]["webSocketDebuggerUrl"]
        time.sleep(0.05)
    raise BrowserError(f"no page target listed on DevTools port {port}")


def _load_and_capture(cdp: _Cdp, html: Path, width: int, report: PageReport, t0: float) -> None:
    for domain in ("Page", "Runtime", "Log", "Network"):
        cdp.call(f"{domain}.enable")
    metrics = {"width": width, "deviceScaleFactor": 1, "mobile": False}
    cdp.call("Emulation.setDeviceMetricsOverride", height=FIRST_SCREEN_PX, **metrics)
    cdp.seen.clear()  # a late load event of about:blank must not count
    nav = cdp.call("Page.navigate", url=html.as_uri())
    if nav.get("errorText"):
        raise BrowserError(f"could not load {html}: {nav['errorText']}")
    while cdp.evaluate("location.protocol + ' ' + document.readyState") != "file: complete":
        cdp.wait_for("Page.loadEventFired")
    cdp.evaluate("document.fonts.ready.then(() => true)", await_promise=True)
    layout = cdp.call("Page.getLayoutMetrics")
    report.page_height_px = max(
        1, round((layout.get("cssContentSize") or layout["contentSize"])["height"])
    )
    cdp.call("Emulation.setDeviceMetricsOverride", height=report.page_height_px, **metrics)
    shot = cdp.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    report.png, report.elapsed_s = base64.b64decode(shot["data"]), time.monotonic() - t0
    report.text = cdp.evaluate("document.body ? document.body.innerText : ''")
    found = json.loads(cdp.evaluate(BOXES_JS))
    report.boxes = {key: tuple(box) for key, box in found["plots"]}
    report.graphic_boxes = {key: tuple(box) for key, box in found["graphics"]}
    report.id_boxes = {key: tuple(box) for key, box in found["ids"]}


def render(
    html_path: str | os.PathLike,
    screenshot_path: str | os.PathLike,
    *,
    width: int = 1280,
    timeout_s: float = 60,
    chromium: str | None = None,
) -> PageReport:
    """Load an HTML file in headless Chromium, record its errors and layout, take a screenshot.

    Parameters
    ----------
    html_path : path
        The HTML file; loaded as ``file://<absolute path>``.
    screenshot_path : path
        Where the full-page PNG is written (parent folders are created).
    width : int
        Viewport width, CSS px. The page loads and lays out in a ``width`` × 900 px viewport (the
        first screen); the viewport then grows to the document height for the screenshot.
    timeout_s : float
        Limit on the whole run, from starting Chromium to the screenshot, s.
    chromium : str, optional
        Browser executable; default :func:`find_chromium`.

    Returns
    -------
    PageReport

    Raises
    ------
    FileNotFoundError
        ``html_path`` is not a file.
    BrowserError
        No Chromium was found, it did not start, navigation failed, or ``timeout_s`` ran out.
    """
    html = Path(html_path).resolve()
    if not html.is_file():
        raise FileNotFoundError(f"HTML file to render not found: {html}")
    chromium = chromium or find_chromium()
    if chromium is None:
        raise BrowserError(
            "no Chromium found ($CHROMIUM, chromium, chromium-browser, google-chrome on PATH); "
            "install it with: bash scripts/ensure-chromium.sh"
        )
    t0 = time.monotonic()
    deadline, report = t0 + timeout_s, PageReport()
    profile = Path(tempfile.mkdtemp(prefix="substitute-chromium-"))
    try:
        proc, port = _start(chromium, profile, profile / "chromium-stderr.log", deadline)
        try:
            cdp = _Cdp(_page_ws_url(port, deadline), deadline, report.on_event)
            try:
                _load_and_capture(cdp, html, width, report, t0)
            finally:
                cdp.ws.close()
        finally:
            _stop(proc)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    out = Path(screenshot_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(report.png)
    return report


def region_is_blank(png_bytes: bytes, box: Box, *, min_std: float = 8.0) -> bool:
    """Whether a region of a screenshot shows (next to) nothing.

    Parameters
    ----------
    png_bytes : bytes
        The screenshot, PNG.
    box : (x, y, w, h)
        The region, image px (= CSS px at device scale factor 1); clipped to the image.
    min_std : float
        Greyscale standard deviation (0–255 scale) below which the region counts as blank.

    Returns
    -------
    bool
        True when nothing of the region is inside the image, its greyscale standard deviation
        is below ``min_std``, or at least 99 % of its pixels share one grey value.
    """
    from PIL import Image, ImageStat

    img = Image.open(io.BytesIO(png_bytes))
    x, y, w, h = box
    left, top = max(0, round(x)), max(0, round(y))
    right, bottom = min(img.width, round(x + w)), min(img.height, round(y + h))
    if right <= left or bottom <= top:
        return True
    grey = img.crop((left, top, right, bottom)).convert("L")
    n_pixels = grey.width * grey.height
    return ImageStat.Stat(grey).stddev[0] < min_std or max(grey.histogram()) >= 0.99 * n_pixels
