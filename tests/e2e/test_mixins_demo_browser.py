"""The demo chat as a person uses it: headless Chromium pages against a live ``python -m demo``.

Two people (alice and bob) join the lobby, see each other in the presence list, see the other
typing, chat (names and times in the transcript), alice sends too fast and gets one friendly
notice with a countdown per rejected click, bob leaves and alice is told, and a third page
with a bad token is shown as rejected without ever showing "connected". Screenshots of the
visible states are decoded in the browser and checked for the colours that make each state
visible (the amber notice, the red rejection, the green presence dots). Uses the system
``chromium`` (Debian package) through Playwright; no browser is downloaded.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.asgi]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: Colours of the page's stylesheet (demo/static/index.html) that make a state visible.
AMBER_NOTICE = (0xFF, 0xF4, 0xD6)
RED_TEXT = (0xB4, 0x23, 0x18)
GREEN_TEXT = (0x1A, 0x7F, 0x37)
GREEN_DOT = (0x2D, 0xA4, 0x4E)

# Decode a PNG in the browser (no imaging library in Python) and measure one colour's share.
_COLOUR_SHARE = """async ([b64, rgb, tolerance]) => {
  const img = new Image();
  img.src = "data:image/png;base64," + b64;
  await img.decode();
  const canvas = new OffscreenCanvas(img.width, img.height);
  const ctx = canvas.getContext("2d");
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, img.width, img.height).data;
  let hits = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (Math.abs(data[i] - rgb[0]) <= tolerance && Math.abs(data[i + 1] - rgb[1]) <= tolerance
        && Math.abs(data[i + 2] - rgb[2]) <= tolerance) hits++;
  }
  return hits / (data.length / 4);
}"""


def chromium_path() -> str:
    """The system Chromium; skipped when absent, except under CI=true where it fails."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is required in CI (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    return path


class Shots:
    """Element screenshots saved under ``folder`` and checked for a colour."""

    def __init__(self, checker: Any, folder: Path) -> None:
        self.checker, self.folder = checker, folder

    async def share(self, locator: Any, name: str, rgb: tuple[int, int, int]) -> float:
        png = await locator.screenshot(path=self.folder / f"{name}.png")
        b64 = base64.b64encode(png).decode()
        share: float = await self.checker.evaluate(_COLOUR_SHARE, [b64, list(rgb), 24])
        return share


async def join(page: Any, base: str, token: str, room: str = "lobby") -> None:
    await page.goto(f"{base}/")
    await page.select_option("#token", token)
    await page.fill("#room", room)
    await page.click("#connect")


async def test_two_people_chat_in_the_demo(start_server: Any, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    executable = chromium_path()
    server = start_server([sys.executable, "-m", "demo", "--port", "{port}"], env={"PORT": ""})
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            alice, bob, checker = [await browser.new_page() for _ in range(3)]
            shots = Shots(checker, tmp_path)
            # no CDN, no build step: the pages load nothing but the demo server's own URLs
            requested: list[str] = []
            for page in (alice, bob):
                page.on("request", lambda request: requested.append(request.url))
                page.on("websocket", lambda socket: requested.append(socket.url))

            # join: alice first, then bob; each sees "Connected as ..." and both names
            await join(alice, server.http, "alice-token")
            await expect(alice.locator("#status")).to_have_text("Connected as alice")
            await join(bob, server.http, "bob-token")
            await expect(bob.locator("#status")).to_have_text("Connected as bob")
            for page in (alice, bob):
                await expect(page.locator("#online li")).to_have_count(2)
                await expect(page.locator("#online-count")).to_have_text("2")
            await expect(alice.locator("#online li")).to_have_text(["alice (you)", "bob"])
            await expect(alice.locator("#transcript .notice").last).to_contain_text("bob joined")
            assert await shots.share(alice.locator("#status"), "connected", GREEN_TEXT) > 0.01
            assert await shots.share(alice.locator("#presence"), "presence", GREEN_DOT) > 0.001

            # typing: bob types, alice sees it; bob does not see himself
            await bob.locator("#chat").press_sequentially("hello alice")
            await expect(alice.locator("#typing")).to_have_text("bob is typing…")
            await expect(bob.locator("#typing")).to_have_text("")

            # chat: the line crosses with its author and time; sending ends the typing notice
            await bob.locator("#chat").press("Enter")
            for page in (alice, bob):
                line = page.locator("#transcript .message").last
                await expect(line.locator(".who")).to_have_text("bob")
                await expect(line.locator(".text")).to_have_text("hello alice")
                assert re.fullmatch(r"\d{1,2}:\d{2}.*", await line.locator("time").inner_text())
            await expect(alice.locator("#typing")).to_have_text("")
            await alice.screenshot(path=tmp_path / "alice-chat.png", full_page=True)

            # rate limit: alice sends until a click is refused (8 frames of burst, then 1 per 2 s)
            rejected = alice.locator("#log li", has_text="rate_limited")
            for i in range(40):
                await alice.fill("#chat", f"line {i}")
                await alice.click("#send")
                answered = alice.locator("#transcript .message .text", has_text=f"line {i}")
                await expect(answered.or_(alice.locator("#notice:visible"))).to_have_count(1)
                if await alice.locator("#notice").is_visible():
                    break
            else:
                pytest.fail("40 quick messages and no rate limit notice")
            notice = alice.locator("#notice")
            await expect(notice).to_contain_text("You are sending messages too fast")
            first = int(re.findall(r"again in (\d+) s", await notice.inner_text())[0])
            assert await shots.share(notice, "rate-limited", AMBER_NOTICE) > 0.5
            # the unsent text is given back, and the countdown runs down to zero
            await expect(alice.locator("#chat")).to_have_value(f"line {i}")
            if first > 1:
                await expect(notice).to_contain_text(f"again in {first - 1} s", timeout=5_000)
            # one refused click is one notice: one rate_limited frame, not two (typing_stop
            # has its own bucket); by now any second answer to that click would have arrived
            assert await rejected.count() == 1
            await expect(notice).to_have_text("You can send again.", timeout=10_000)
            await expect(notice).to_be_hidden(timeout=10_000)
            await alice.click("#send")
            await expect(alice.locator("#transcript .message .text").last).to_have_text(f"line {i}")

            # a bad token: shown as rejected, never as connected
            carol = await browser.new_page()
            await carol.goto(f"{server.http}/")
            await carol.evaluate(
                """() => { window.states = [];
                  new MutationObserver(() => window.states.push(
                    document.getElementById("status").dataset.state))
                  .observe(document.getElementById("status"), {attributes: true}); }"""
            )
            await carol.select_option("#token", "wrong-token")
            await carol.click("#connect")
            await expect(carol.locator("#status")).to_have_text(
                "Rejected: Unknown or missing token (401)"
            )
            await expect(carol.locator("#log")).to_contain_text("closed (code 4401)")
            states = await carol.evaluate("window.states")
            assert "connected" not in states, states
            assert states[-1] == "rejected", states
            await expect(carol.locator("#chat")).to_be_disabled()
            assert await shots.share(carol.locator("#status"), "rejected", RED_TEXT) > 0.01

            # leaving: after the demo's grace period (3 s) alice is told bob left
            await bob.click("#disconnect")
            await expect(bob.locator("#status")).to_have_text("You left #lobby")
            await expect(alice.locator("#transcript .notice").last).to_have_text(
                re.compile(r"^bob left"), timeout=15_000
            )
            await expect(alice.locator("#online li")).to_have_text(["alice (you)"])

            # developers: raw frames are folded away until asked for; the API docs are linked
            await expect(alice.locator("#log")).to_be_hidden()
            await alice.click("#frames summary")
            await expect(alice.locator("#log")).to_be_visible()
            await expect(alice.locator("#log")).to_contain_text('"action":"chat_notification"')
            await alice.click("#api-docs")
            await expect(alice).to_have_url(f"{server.http}/asyncapi/")
            await expect(alice.locator("body")).to_contain_text("rate_limited")
            hosts = {re.sub(r"^(\w+://[^/]+).*$", r"\1", url) for url in requested}
            assert hosts == {server.http, server.ws}, hosts
            # the chat ran on the generated TypeScript client (demo/web, compiled by tsc)
            for script in ("chat_page.js", "client/chat.js", "client/runtime.js"):
                assert f"{server.http}/static/js/{script}" in requested, script
        finally:
            await browser.close()
