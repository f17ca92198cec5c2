"""Exactly-once, in-order delivery of a recovering topic's publishes to one subscriber.

Live publishes reach a subscriber through the channel layer; missed ones come from the
history store. Both paths meet here, per subscription:

* **Subscribe with a position.** The group is joined *first*, so no publish can fall between
  the history read and live delivery. Live publishes arriving while the history is read and
  replayed are held in ``pending``; replay runs in order, then ``pending`` is drained, and
  every publish whose ``seq`` was already delivered is dropped. No duplicates, no gaps.
* **A gap in live delivery** (two processes publishing at once may reach a subscriber out of
  order, or a publisher died between its history append and its layer send): the missing
  entries are read from the history and delivered first.
* **A new epoch** (the history was lost): the client gets an unprompted ``subscribed`` with
  ``recovered: false`` and the new epoch, then the stream continues from there.

When recovery is impossible (trimmed history, other epoch, store unavailable) the client is
told with ``recovered: false`` and live delivery continues.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chanx.core.envelope import current_ref
from chanx.core.topic_frames import reply_frame, run_event, stamp

if TYPE_CHECKING:
    from chanx.core.envelope import Ref
    from chanx.core.history import HistoryRead
    from chanx.core.topic import Topic

__all__ = ["Subscription", "catch_up", "deliver"]

logger = logging.getLogger("chanx.topic")


@dataclass(slots=True)
class Subscription:
    """One topic subscription of one connection."""

    topic: Topic[Any]
    group: str
    #: False while history is replayed: live publishes wait in ``pending``.
    live: bool = True
    #: The last seq delivered to the client (topics with recovery).
    seq: int = 0
    #: The stream that ``seq`` belongs to; None until known.
    epoch: str | None = None
    #: Held live publishes: (event data, seq, epoch, ready text or None).
    pending: list[tuple[Any, int | None, str | None, Any]] = field(default_factory=list)
    #: A publish's ready text goes to the socket as it is (no recovery, no completion frame,
    #: no camelCase): decided once at subscribe time, read per publish.
    forwards_text: bool = False


async def _read(sub: Subscription, after: int, epoch: str | None) -> HistoryRead | None:
    cls = type(sub.topic)
    try:
        return await cls.history_store().read(
            sub.topic.topic, after, epoch, size=cls.history_size, ttl=cls.history_ttl
        )
    except Exception:
        logger.exception("could not read the history of %r", sub.topic.topic)
        return None


async def _notify(sub: Subscription, recovered: bool, ref: Ref | None = None) -> None:
    payload = {"recovered": recovered, "epoch": sub.epoch or "", "seq": sub.seq}
    await sub.topic.consumer.send_text(
        stamp(reply_frame("subscribed", payload), sub.topic.topic, ref)
    )


async def catch_up(
    sub: Subscription, after: int | None, epoch: str | None, ref: Ref | None
) -> None:
    """Answer a subscribe: the ``subscribed`` reply, missed publishes, then held live ones.

    ``sub.live`` is False on entry (the group is already joined).
    """
    try:
        read = await _read(sub, after or 0, epoch if after is not None else None)
        recovered = False
        if read is not None:
            sub.epoch, sub.seq = read.position.epoch, read.position.seq
            recovered = after is not None and read.complete
        await _notify(sub, recovered, ref)
        token = current_ref.set(None)
        try:
            if recovered and read is not None:
                for seq, data in read.entries:
                    await run_event(sub.topic, json.loads(data), seq)
            await _drain(sub)
        finally:
            current_ref.reset(token)
    finally:
        sub.live = True


async def deliver(
    sub: Subscription, data: Any, seq: int | None, epoch: str | None, text: Any = None
) -> None:
    """A live publish for ``sub`` (held while a replay runs, delivered in seq order).

    ``text`` is the publisher's ready frame of a passthrough event, if any.
    """
    if not sub.live:
        sub.pending.append((data, seq, epoch, text))
        return
    if (
        type(text) is str
        and seq is not None
        and seq == sub.seq + 1
        and epoch == sub.epoch
        and type(sub.topic)._forwards_recovered_text
        and not sub.topic.consumer.camelize
    ):
        # the usual case, the next publish of the same stream as ready text: forward it
        sub.seq = seq
        await sub.topic.consumer.send_text(text)
        return
    sub.live = False
    try:
        await _one(sub, data, seq, epoch, text)
        await _drain(sub)
    finally:
        sub.live = True


async def _drain(sub: Subscription) -> None:
    while sub.pending:
        await _one(sub, *sub.pending.pop(0))


async def _one(
    sub: Subscription, data: Any, seq: int | None, epoch: str | None, text: Any = None
) -> None:
    if seq is None:
        await run_event(sub.topic, data, None, text)
        return
    if sub.epoch is None:  # the history was unavailable at subscribe: start from here
        sub.epoch, sub.seq = epoch, seq - 1
    elif epoch is not None and epoch != sub.epoch:
        sub.epoch, sub.seq = epoch, seq - 1
        await _notify(sub, False)
    if seq <= sub.seq:
        return  # already delivered (replayed, or a duplicate)
    if seq > sub.seq + 1:
        await _fill(sub, seq)
        if seq <= sub.seq:
            return
    await run_event(sub.topic, data, seq, text)
    sub.seq = seq


async def _fill(sub: Subscription, seq: int) -> None:
    """Deliver the entries between ``sub.seq`` and ``seq`` from the history."""
    read = await _read(sub, sub.seq, sub.epoch)
    if read is None or read.position.epoch != sub.epoch or not _starts_at(read, sub.seq + 1):
        logger.warning("topic %r: publishes before seq %d are lost", sub.topic.topic, seq)
        sub.seq = seq - 1
        if read is not None:
            sub.epoch = read.position.epoch
        await _notify(sub, False)
        return
    for entry_seq, data in read.entries:
        if entry_seq > sub.seq:
            await run_event(sub.topic, json.loads(data), entry_seq)
            sub.seq = entry_seq


def _starts_at(read: HistoryRead, first: int) -> bool:
    return bool(read.entries) and read.entries[0][0] == first
