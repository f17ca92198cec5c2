"""The demo chat in a real browser: two headless Chromium pages against a live server.

Checks what the presence, typing and rate limiting mixins add to the demo page: who is online,
who is typing, and that a chat message crosses from one page to the other. Uses the system
``chromium`` (Debian package) through Playwright; no browser is downloaded.
"""

from __future__ import annotations

import os
import shutil
import sys
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


def chromium_path() -> str:
    """The system Chromium; skipped when absent, except under CI=true where it fails."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is required in CI (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    return path


async def test_two_pages_see_presence_typing_and_chat(start_server: Any) -> None:
    from playwright.async_api import async_playwright, expect

    executable = chromium_path()
    server = start_server([sys.executable, "-m", "demo", "--port", "{port}"], env={"PORT": ""})
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            alice, bob = await browser.new_page(), await browser.new_page()
            for page, token in ((alice, "alice-token"), (bob, "bob-token")):
                await page.goto(f"{server.http}/")
                await page.select_option("#token", token)
                await page.click("#connect")
                await expect(page.locator("#status")).to_have_text("connected")

            # presence: each page lists both users, from the state and from the join diff
            for page in (alice, bob):
                await expect(page.locator("#online li")).to_have_text(["alice", "bob"])
                await expect(page.locator("#online-count")).to_have_text("2")

            # typing: bob types, alice sees it; bob does not see himself
            await bob.locator("#chat").press_sequentially("hello alice")
            await expect(alice.locator("#typing")).to_have_text("bob is typing…")
            await expect(bob.locator("#typing")).to_have_text("")

            # chat: the message crosses, and sending stops the typing indicator
            await bob.locator("#chat").press("Enter")
            line = '"message":"hello alice","username":"bob"'
            await expect(alice.locator("#log")).to_contain_text(line)
            await expect(bob.locator("#log")).to_contain_text(line)
            await expect(alice.locator("#typing")).to_have_text("")

            # leaving: after the demo's grace period (3 s) bob disappears from alice's list
            await bob.click("#disconnect")
            await expect(bob.locator("#online li")).to_have_count(0)
            await expect(alice.locator("#online li")).to_have_text(["alice"], timeout=15_000)
        finally:
            await browser.close()
