"""What a broadcast event's receiver pays to get its own event: the copies compared.

Run: ``hatch run bench:run event_copy``. Every receiving handler must get an event no other
handler can mutate. Reference, measured in the same run: validating the serialized event
again (``model_validate_json``, what each receiver did before events were shared). Ratios
below 1.0 are cheaper than that; :mod:`chanx.core._event_copies` picks the cheapest correct
one per model (shallow copy for flat models, validating again for nested ones).
"""

from __future__ import annotations

import copy
import json
import timeit
from collections.abc import Callable
from typing import Any, Literal

from bench._asgi_apps import CHAT, ChatPayload, ItemEvent
from bench._knobs import size
from chanx.core._event_copies import event_for_handler
from chanx.messages.base import BaseMessage

NUMBER = size(20_000, 50)
REPEAT = size(5, 1)


class ChatEvent(BaseMessage):
    """A nested event: the chat payload of the dispatch benchmark."""

    action: Literal["chat_event"] = "chat_event"
    payload: ChatPayload


def _us(fn: Callable[[], Any]) -> float:
    return min(timeit.repeat(fn, number=NUMBER, repeat=REPEAT)) / NUMBER * 1e6


def run() -> dict[str, float]:
    """Every figure of this benchmark."""
    results: dict[str, float] = {}
    chat = json.loads(CHAT)
    chat["action"] = "chat_event"
    cases: list[tuple[str, type[BaseMessage], str]] = [
        ("flat", ItemEvent, ItemEvent(payload=1).model_dump_json()),
        ("nested", ChatEvent, json.dumps(chat)),
    ]
    for name, model, text in cases:
        event = model.model_validate_json(text)
        reference = _us(lambda m=model, t=text: m.model_validate_json(t))  # type: ignore[misc]
        results[f"{name}_validate_json_us"] = reference
        for label, fn in (
            ("chanx", lambda m=model, t=text: event_for_handler(m, t)),
            ("model_copy", event.model_copy),
            ("model_copy_deep", lambda e=event: e.model_copy(deep=True)),
            ("deepcopy", lambda e=event: copy.deepcopy(e)),
        ):
            us = _us(fn)
            results[f"{name}_{label}_us"] = us
            results[f"{name}_{label}_ratio"] = us / reference
    return results


def main() -> dict[str, float]:
    """Run and print the table."""
    results = run()
    print("a receiver's own copy of a broadcast event (best of rounds; ratio to validate_json)")
    for key, value in results.items():
        print(f"  {key:36s} {value:8.2f}")
    print(
        "  (model_copy is shallow: it shares nested objects, so it is correct for flat models only)"
    )
    return results


if __name__ == "__main__":
    main()
