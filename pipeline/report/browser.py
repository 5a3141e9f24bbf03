"""Open a report in headless Chromium with the network blocked: what the browser test asserts on and
how ``docs/report.png`` is made (``make report-screenshot``).

Needs Playwright (the ``dev`` extras) and Debian's ``chromium`` (``/usr/bin/chromium``; ``.ci/run``
installs it). Playwright drives the system browser: it downloads none of its own.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_ENV = "PIPELINE_CHROMIUM"
# Every host name resolves to nothing, and Chromium's own background traffic is off: a page that tried
# to fetch a script, a font or map tiles would fail to, and the test sees the request.
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]

# Per chart: the number of drawn marks (bars, points, line paths with a shape) inside its SVG.
COUNT_MARKS = """() => Array.from(document.querySelectorAll('[data-chart]')).map(chart => ({
    name: chart.dataset.chart,
    svg: chart.querySelectorAll('svg.main-svg').length,
    marks: Array.from(chart.querySelectorAll(
        '.barlayer .point path, .scatterlayer .point, .scatterlayer path.js-line'
    )).filter(mark => {
        const d = mark.getAttribute('d') || '';
        return d.length > 4 && !/^M0,0Z?$/.test(d);  // an empty bar or point is drawn as M0,0Z
    }).length,
}))"""


def chromium_path() -> str | None:
    return os.environ.get(CHROMIUM_ENV) or shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class RenderedPage:
    page: Any
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def charts(self) -> list[dict[str, Any]]:
        return self.page.evaluate(COUNT_MARKS)

    def text(self, selector: str) -> str:
        return self.page.locator(selector).first.inner_text().strip()


@contextmanager
def open_report(path: Path, width: int = 1280, height: int = 900) -> Iterator[RenderedPage]:
    """The report loaded in headless Chromium, every chart drawn; JavaScript errors (uncaught or
    logged with console.error) and every attempted network request are recorded on the result."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise RuntimeError("Chromium is not installed: apt-get install chromium (or set PIPELINE_CHROMIUM)")
    with tempfile.TemporaryDirectory(prefix="report-chromium-") as profile, sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": width, "height": height},
            locale="vi-VN",
        )
        try:
            page = browser.new_page()
            rendered = RenderedPage(page)
            page.on("pageerror", lambda error: rendered.errors.append(f"uncaught: {error}"))
            page.on(
                "console",
                lambda message: (
                    rendered.errors.append(f"console.error: {message.text}")
                    if message.type == "error"
                    else None
                ),
            )

            def refuse(route: Any) -> None:
                if route.request.url.startswith(("file:", "data:", "blob:", "about:")):
                    route.continue_()
                else:
                    rendered.requests.append(route.request.url)
                    route.abort()

            page.route("**/*", refuse)
            page.goto(path.resolve().as_uri(), wait_until="load")
            # Plotly draws each chart as the page loads; wait until every chart has its SVG.
            page.wait_for_function(
                "() => Array.from(document.querySelectorAll('[data-chart]'))"
                ".every(chart => chart.querySelector('svg.main-svg'))",
                timeout=30_000,
            )
            yield rendered
        finally:
            browser.close()


def screenshot(report: Path, png: Path, width: int = 1280) -> list[str]:
    """A full-page PNG of the report; returns the errors the page logged (none expected)."""
    with open_report(report, width=width) as rendered:
        rendered.page.screenshot(path=str(png), full_page=True)
        return rendered.errors + [f"network request: {url}" for url in rendered.requests]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.report.browser", description="Screenshot a report in headless Chromium"
    )
    parser.add_argument("report", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args(argv)
    problems = screenshot(args.report, args.png, args.width)
    for problem in problems:
        print(f"error: {problem}")
    print(f"Screenshot: {args.png}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
