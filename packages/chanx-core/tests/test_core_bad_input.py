"""Every kind of bad frame gets exactly one bounded error frame and the connection lives on."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from core_consumers import ChatConsumer, LayerConsumer, fresh_layer

from chanx.core.errors import ERROR_FRAME_PREFIX, detail_frame, error_frame, failure_frame
from chanx.core.testing import WebsocketHarness


@pytest.fixture(autouse=True)
def _layer() -> Iterator[None]:
    fresh_layer()
    yield
    LayerConsumer.layer = None


async def _error_then_alive(ws: WebsocketHarness) -> list[dict[str, object]]:
    frame = await ws.receive_json()
    assert frame["action"] == "error", frame
    assert await ws.receive_nothing()  # exactly one frame
    await ws.send_json({"action": "ping"})
    assert (await ws.receive_json())["action"] == "pong"  # still open, still routing
    payload: list[dict[str, object]] = frame["payload"]
    return payload


@pytest.mark.parametrize(
    ("frame", "error_type"),
    [
        ("not json at all", "json_invalid"),
        ('{"action": "ping"', "json_invalid"),
        ("[1, 2, 3]", "dict_type"),
        ('"a string"', "dict_type"),
        ("42", "dict_type"),
        ("null", "dict_type"),
        ("{}", "union_tag_not_found"),
        ('{"payload": 1}', "union_tag_not_found"),
        ('{"action": "definitely_unknown_SECRET"}', "union_tag_invalid"),
        ('{"action": 5}', "union_tag_invalid"),
        ('{"action": "chat", "payload": {"message": 5}}', "string_type"),
        ('{"action": "chat"}', "missing"),
        ('{"action": "echo", "payload": "NaN-ish"}', "int_parsing"),
    ],
)
async def test_bad_frames_get_one_error_without_input_echo(frame: str, error_type: str) -> None:
    async with WebsocketHarness(ChatConsumer) as ws:
        await ws.send_text(frame)
        payload = await _error_then_alive(ws)
        assert payload[0]["type"] == error_type
        text = json.dumps(payload)
        assert "SECRET" not in text
        assert "NaN-ish" not in text
        assert "input" not in text
        assert "Traceback" not in text


async def test_binary_frame_is_refused_politely() -> None:
    async with WebsocketHarness(ChatConsumer) as ws:
        await ws.send_bytes(b'{"action": "ping"}')
        payload = await _error_then_alive(ws)
        assert payload[0]["type"] == "json_invalid"


async def test_oversize_frame_is_refused_with_a_small_error() -> None:
    class Small(ChatConsumer):
        max_message_size = 1000

    async with WebsocketHarness(Small) as ws:
        await ws.send_json({"action": "log", "payload": "x" * 5000})
        payload = await _error_then_alive(ws)
        assert payload[0]["type"] == "message_too_large"
        assert len(json.dumps(payload)) < 300


async def test_max_message_size_is_the_longest_frame_accepted() -> None:
    class Small(ChatConsumer):
        max_message_size = 100

    frame = '{"action": "ping"}'.ljust(100)  # JSON allows the trailing blanks
    async with WebsocketHarness(Small) as ws:
        await ws.send_text(frame)
        assert await ws.receive_json() == {"action": "pong", "payload": None}
        await ws.send_text(frame + " ")
        payload = await _error_then_alive(ws)
        assert payload[0]["type"] == "message_too_large"


async def test_many_errors_are_capped_and_the_frame_stays_small() -> None:
    huge = {"action": "chat", "payload": {"message": 1, "user_name": 2}}
    async with WebsocketHarness(ChatConsumer) as ws:
        await ws.send_json(huge)
        payload = await _error_then_alive(ws)
        assert {p["type"] for p in payload} == {"string_type"}
    # a deeply wrong, large frame: bounded answer whatever the input size
    from chanx.core.errors import MAX_ERROR_ENTRIES

    async with WebsocketHarness(ChatConsumer) as ws:
        await ws.send_text(json.dumps({"action": "echo", "payload": ["y" * 10_000] * 50}))
        frame = await ws.receive_text()
        assert len(frame) < 4096
        assert len(json.loads(frame)["payload"]) <= MAX_ERROR_ENTRIES + 1


async def test_handler_exception_is_generic_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    async with WebsocketHarness(ChatConsumer) as ws:
        await ws.send_json({"action": "boom", "ref": "b1"})
        frame = await ws.receive_json()
        assert frame == {
            "version": 1,
            "ref": "b1",
            "action": "error",
            "payload": {"detail": "Failed to process message for boom"},
        }
        await ws.send_json({"action": "ping"})
        assert (await ws.receive_json())["action"] == "pong"
    assert "secret database password" in caplog.text  # the traceback goes to the log only


async def test_validation_error_echoes_a_valid_ref_only() -> None:
    async with WebsocketHarness(ChatConsumer) as ws:
        await ws.send_json({"action": "nope", "ref": "r-9"})
        frame = await ws.receive_json()
        assert frame["ref"] == "r-9"
        assert frame["action"] == "error"
        await ws.send_json({"action": "nope", "ref": "z" * 500})
        assert "ref" not in await ws.receive_json()


async def test_handler_timeout_cancels_with_an_error_frame() -> None:
    class Bounded(ChatConsumer):
        handler_timeout = 0.05

    async with WebsocketHarness(Bounded) as ws:
        await ws.send_json({"action": "slow", "payload": 30})
        frame = await ws.receive_json()
        assert frame["payload"] == {"detail": "Failed to process message for slow"}
        await ws.send_json({"action": "slow", "payload": 0})
        assert await ws.receive_json() == {"action": "echo", "payload": 0}


async def test_consumer_without_handlers_answers_with_an_error() -> None:
    async with WebsocketHarness(LayerConsumer) as ws:
        await ws.send_json({"action": "ping"})
        frame = await ws.receive_json()
        assert frame["payload"] == {"detail": "Failed to process message"}


def test_every_error_frame_starts_with_the_documented_prefix() -> None:
    # telemetry tells an error reply from another reply by this prefix alone
    for text in (
        error_frame([{"type": "missing", "loc": ["action"], "msg": "Field required"}]),
        detail_frame("Failed to process message"),
        failure_frame("ping"),
    ):
        assert text.startswith(ERROR_FRAME_PREFIX)
        assert json.loads(text)["action"] == "error"
