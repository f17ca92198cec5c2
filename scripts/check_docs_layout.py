"""Measure the built docs in headless Chromium: nothing may scroll sideways on a phone or desktop.

For every page of a built site (``docs/_build/html``), at 1280 and 390 px wide, each code
block and each table (or the wrapper furo scrolls it in) must fit its box, and the page itself
must not scroll horizontally, within ``TOLERANCE`` pixels. Uses the system ``chromium``
through Playwright (no browser download).

Usage: ``hatch run python scripts/check_docs_layout.py [docs/_build/html]``.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

WIDTHS = (1280, 390)
#: Pixels of overflow that are not a scroll a reader notices (sub-pixel rounding, borders).
TOLERANCE = 4
#: Generated pages that are not prose (indexes, highlighted module sources).
SKIP = ("_modules/", "genindex.html", "py-modindex.html", "search.html", "_static/")

_MEASURE = """(tolerance) => {
  const found = [];
  const name = (el) => {
    const text = (el.innerText || "").trim().split("\\n")[0].slice(0, 70);
    return `${el.tagName.toLowerCase()} "${text}"`;
  };
  const doc = document.documentElement;
  if (doc.scrollWidth - window.innerWidth > tolerance) {
    found.push(`the page scrolls sideways by ${doc.scrollWidth - window.innerWidth}px`);
  }
  for (const el of document.querySelectorAll("article pre, article table")) {
    const box = el.tagName === "TABLE" && el.parentElement.classList.contains("table-wrapper")
      ? el.parentElement : el;
    const over = box.scrollWidth - box.clientWidth;
    if (over > tolerance) found.push(`${name(el)} scrolls sideways by ${over}px`);
  }
  return found;
}"""


def pages(site: Path) -> list[Path]:
    """The prose pages of the site."""
    found = sorted(site.rglob("*.html"))
    return [p for p in found if not any(s in p.relative_to(site).as_posix() for s in SKIP)]


async def measure(site: Path, chromium: str) -> list[str]:
    """Every overflow found, as ``page @ width: what``."""
    from playwright.async_api import async_playwright

    problems: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            for width in WIDTHS:
                page = await browser.new_page(viewport={"width": width, "height": 900})
                for path in pages(site):
                    await page.goto(path.as_uri())
                    found: list[str] = await page.evaluate(_MEASURE, TOLERANCE)
                    rel = path.relative_to(site).as_posix()
                    problems += [f"{rel} @ {width}px: {what}" for what in found]
                await page.close()
        finally:
            await browser.close()
    return problems


def main(argv: list[str]) -> int:
    site = Path(argv[0] if argv else "docs/_build/html").resolve()
    if not (site / "index.html").exists():
        print(f"no built site in {site}: run hatch run docs:build", file=sys.stderr)
        return 2
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium is required (apt-get install chromium)", file=sys.stderr)
        return 2
    problems = asyncio.run(measure(site, chromium))
    for problem in problems:
        print(problem)
    count = len(pages(site))
    if problems:
        print(f"{len(problems)} sideways scrolls in {count} pages", file=sys.stderr)
        return 1
    print(f"{count} pages fit at {' and '.join(f'{w}px' for w in WIDTHS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
