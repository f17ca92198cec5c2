"""The SIGTERM handler of :mod:`chanx.core.shutdown`, driven in process with real signals.

``signal.raise_signal`` runs the Python-level handler in the main thread before it returns,
so each step (first signal, second signal, hand-over) happens at a known point, no sleeps.
Every test runs on a fresh process state and restores the SIGTERM handler it found.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import ClassVar, Literal

import pytest

from chanx.constants import CLOSE_SERVICE_RESTART
from chanx.core import ChanxConsumer, shutdown, ws_handler
from chanx.core.testing import WebsocketHarness
from chanx.messages import BaseMessage, PingMessage, PongMessage


class HoldMessage(BaseMessage):
    action: Literal["hold"] = "hold"


class HeldReply(BaseMessage):
    action: Literal["held"] = "held"


class Holder(ChanxConsumer):
    """A handler that runs until the test releases it."""

    shutdown_timeout = 5.0
    started: ClassVar[asyncio.Event]
    release: ClassVar[asyncio.Event]

    @ws_handler
    async def handle_ping(self, message: PingMessage) -> PongMessage:
        return PongMessage()

    @ws_handler
    async def handle_hold(self, message: HoldMessage) -> HeldReply:
        self.started.set()
        await self.release.wait()
        return HeldReply()


class FailsToClose(Holder):
    async def close_gracefully(self, code: int = CLOSE_SERVICE_RESTART) -> None:
        raise RuntimeError("the transport is gone")


class Previous:
    """The handler installed before chanx's (the server's, in production)."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.calls.append(signum)


@pytest.fixture
def previous() -> Iterator[Previous]:
    """A fresh shutdown state, with a recording handler installed as the server's."""
    found = signal.getsignal(signal.SIGTERM)
    saved = shutdown._state
    shutdown._state = shutdown._State()
    handler = Previous()
    signal.signal(signal.SIGTERM, handler)
    try:
        yield handler
    finally:
        shutdown._state = saved
        signal.signal(signal.SIGTERM, found)


def current() -> object:
    """The SIGTERM handler installed now."""
    return signal.getsignal(signal.SIGTERM)


async def holding() -> WebsocketHarness:
    """A connection whose ``hold`` handler is running (until ``Holder.release`` is set)."""
    Holder.started, Holder.release = asyncio.Event(), asyncio.Event()
    ws = WebsocketHarness(Holder)
    assert await ws.connect()
    await ws.send_json({"action": "hold"})
    await asyncio.wait_for(Holder.started.wait(), 5)
    return ws


async def drain_started() -> asyncio.Task[None]:
    """The drain a signal started, once it runs (created on the loop's next turn)."""
    for _ in range(100):
        task = shutdown._state.task
        if task is not None:
            await asyncio.sleep(0)  # its first step: it now waits for the connections
            return task
        await asyncio.sleep(0)
    raise AssertionError("no drain started")


async def drained() -> None:
    """Wait for the end of the drain a signal started."""
    await asyncio.wait_for(await drain_started(), 10)


async def test_the_first_connection_installs_the_handler_chained_to_the_previous_one(
    previous: Previous,
) -> None:
    ws = WebsocketHarness(Holder)
    assert await ws.connect()
    assert current() is shutdown._on_signal
    signal.raise_signal(signal.SIGTERM)
    assert shutdown.draining()
    assert previous.calls == []  # the server's turn comes after the drain
    assert await ws.assert_closed(CLOSE_SERVICE_RESTART)
    await ws.disconnect()
    await drained()
    assert previous.calls == [signal.SIGTERM]
    assert current() is previous  # stepped aside
    assert not shutdown.draining()


async def test_the_running_handler_replies_before_the_server_gets_the_signal(
    previous: Previous,
) -> None:
    ws = await holding()
    signal.raise_signal(signal.SIGTERM)
    late = WebsocketHarness(Holder)
    assert await late.connect()
    assert await late.assert_closed(CLOSE_SERVICE_RESTART)  # sent elsewhere at once
    await late.disconnect()
    assert previous.calls == []
    Holder.release.set()
    assert await ws.receive_json() == {"action": "held", "payload": None}
    assert await ws.assert_closed(CLOSE_SERVICE_RESTART)
    await ws.disconnect()
    await drained()
    assert previous.calls == [signal.SIGTERM]


async def test_a_second_signal_goes_to_the_server_at_once_and_the_process_recovers(
    previous: Previous,
) -> None:
    ws = await holding()
    signal.raise_signal(signal.SIGTERM)
    await drain_started()
    assert shutdown.draining()
    signal.raise_signal(signal.SIGTERM)
    assert previous.calls == [signal.SIGTERM]  # not held back by the drain
    assert current() is previous
    Holder.release.set()
    assert await ws.receive_json() == {"action": "held", "payload": None}
    assert await ws.assert_closed(CLOSE_SERVICE_RESTART)
    await ws.disconnect()
    await drained()
    assert previous.calls == [signal.SIGTERM]  # handed over once
    # the server decided not to stop: this process serves new connections again
    assert not shutdown.draining()
    again = WebsocketHarness(Holder)
    assert await again.connect()
    await again.send_json({"action": "ping"})
    assert await again.receive_json() == {"action": "pong", "payload": None}
    await again.disconnect()


async def test_a_close_that_fails_is_logged_and_the_others_still_close(
    previous: Previous, caplog: pytest.LogCaptureFixture
) -> None:
    broken, fine = WebsocketHarness(FailsToClose), WebsocketHarness(Holder)
    assert await broken.connect()
    assert await fine.connect()
    with caplog.at_level(logging.ERROR, logger="chanx.shutdown"):
        draining = asyncio.ensure_future(shutdown.drain())
        assert await fine.assert_closed(CLOSE_SERVICE_RESTART)
        await fine.disconnect()  # the client's close answer: the drain need not wait longer
        await asyncio.wait_for(draining, 5)
    assert "a graceful close failed" in caplog.text
    assert "the transport is gone" in caplog.text
    assert not shutdown.draining()
    await broken.disconnect()


async def test_no_handler_is_installed_with_graceful_shutdown_off(previous: Previous) -> None:
    class Plain(Holder):
        graceful_shutdown = False

    ws = WebsocketHarness(Plain)
    assert await ws.connect()
    assert current() is previous
    await ws.disconnect()


async def test_installing_outside_the_main_thread_is_refused(previous: Previous) -> None:
    results: list[bool] = []
    thread = threading.Thread(target=lambda: results.append(shutdown.install_signal_handler()))
    thread.start()
    thread.join()
    assert results == [False]
    assert current() is previous


def test_installing_without_a_running_loop_is_refused(previous: Previous) -> None:
    assert shutdown.install_signal_handler() is False
    assert current() is previous


def test_a_signal_after_the_loop_closed_goes_straight_to_the_server(previous: Previous) -> None:
    async def install() -> bool:
        return shutdown.install_signal_handler()

    assert asyncio.run(install())  # that loop is closed once run() returns
    signal.raise_signal(signal.SIGTERM)
    assert previous.calls == [signal.SIGTERM]
    assert current() is previous
    assert not shutdown.draining()


def test_an_ignored_signal_stays_ignored_after_the_hand_over(previous: Previous) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

    async def install() -> bool:
        return shutdown.install_signal_handler()

    assert asyncio.run(install())
    signal.raise_signal(signal.SIGTERM)  # would end the test run if it were not ignored
    assert current() == signal.SIG_IGN
    assert previous.calls == []
