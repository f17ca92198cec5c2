"""A topic handle's bookkeeping of the stream position, frame by frame (no server needed).

The servers of the other tests never replay a push the client already has, so the handle's
duplicate drop is exercised here with the frames an overlapping replay would bring.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter

from chanx.client import BaseTopicConnection, BaseTopicHandle


class Tick(BaseModel):
    action: Literal["tick"] = "tick"
    payload: int


class TickerHandle(BaseTopicHandle[Tick]):
    pattern = "ticker:{name}"
    incoming_message = TypeAdapter(Tick)


def handle() -> tuple[TickerHandle, list[int]]:
    connection: Any = object.__new__(BaseTopicConnection)  # deliver() never touches it
    ticker = TickerHandle(connection, name="ABC")
    seen: list[int] = []
    ticker.on(Tick, lambda tick: seen.append(tick.payload))
    return ticker, seen


def push(seq: int) -> dict[str, Any]:
    return {"action": "tick", "payload": seq * 10, "topic": "ticker:ABC", "seq": seq, "v": 1}


async def test_a_push_at_or_below_the_last_seq_is_dropped() -> None:
    ticker, seen = handle()
    ticker.accept_subscribed({"action": "subscribed", "payload": {"epoch": "e1", "seq": 2}})
    for seq in (2, 3, 4, 4, 3, 5):  # 2 was seen before the reconnect; 4 and 3 replayed again
        await ticker.deliver(push(seq))
    assert seen == [30, 40, 50]
    assert ticker.last_seq == 5
    assert ticker.subscribe_frame() == {
        "action": "subscribe",
        "topic": "ticker:ABC",
        "payload": {"seq": 5, "epoch": "e1"},
    }


async def test_a_new_epoch_restarts_the_sequence() -> None:
    ticker, seen = handle()
    ticker.accept_subscribed({"action": "subscribed", "payload": {"epoch": "e1", "seq": 0}})
    await ticker.deliver(push(7))
    # the server lost the stream (a restart without history): it says so, numbering anew
    await ticker.deliver(
        {"action": "subscribed", "topic": "ticker:ABC", "payload": {"epoch": "e2", "seq": 0}}
    )
    assert (ticker.epoch, ticker.last_seq) == ("e2", 0)
    await ticker.deliver(push(1))
    assert seen == [70, 10]
