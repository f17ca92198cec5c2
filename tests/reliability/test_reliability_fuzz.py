"""Bad input fuzzing: Hypothesis-generated frames against a live consumer.

Every generated frame (random JSON, wrong types, huge strings, deep nesting, invalid UTF-8 in
binary frames, unknown actions, oversize frames, lone surrogate escapes) must get exactly one
defined response; the connection stays open and the next valid frame works; no traceback,
secret or piece of the input reaches the client; every error frame is under 4 KB.

The bulk (2,000 cases) runs in process through the full FastAPI app, on ONE connection, so
state left behind by a frame would show up in later ones. A smaller batch goes through a real
uvicorn server over a socket. Generated strings carry the canary ``QZX``: it must never appear
in a response (the client's own ``ref`` correlation id is echoed by design and set aside).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_app import MAX_MESSAGE_SIZE, SECRET, build_app
from reliability_servers import UvicornServer
from websockets.sync.client import connect as sync_connect

from chanx.fast_channels.testing import WebsocketCommunicator, isolated_layer

pytestmark = pytest.mark.asgi

CANARY = "QZX"
#: What the fuzzed endpoint may answer; anything else is an undefined response.
DEFINED_ACTIONS = {"error", "pong", "echo_reply", "chat_received"}
ERROR_LIMIT = 4096
#: Actions a fuzzed frame may name: the endpoint's harmless handlers plus internals.
ACTIONS = ["ping", "echo", "chat", "fail", "chanx_broadcast", "chanx_event", "error", ""]
FUZZ_SETTINGS = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

canary_text = st.text(max_size=40).map(lambda s: CANARY + s)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | canary_text
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(canary_text, inner, max_size=6),
    max_leaves=25,
)
actions = st.sampled_from(ACTIONS) | canary_text
refs = st.none() | st.integers() | st.text(alphabet="abc123", max_size=8) | canary_text


@st.composite
def chat_like(draw: st.DrawFn) -> dict[str, Any]:
    """A chat frame whose fields are each valid, missing or of a wrong type."""
    field = st.one_of(json_values, st.just(None))
    author = draw(
        st.fixed_dictionaries(
            {"name": field | canary_text},
            optional={"roles": st.lists(st.sampled_from(["admin", "root"]) | field, max_size=4)},
        )
        | field
    )
    payload = draw(
        st.fixed_dictionaries(
            {"room": canary_text | field, "text": canary_text | field},
            optional={
                "author": st.just(author),
                "mentions": st.lists(st.integers() | field, max_size=60),
                "meta": st.dictionaries(canary_text, st.integers() | field, max_size=5),
            },
        )
    )
    return {"action": "chat", "payload": payload}


def _dumps(value: Any) -> str:
    return json.dumps(value)


json_frames = st.one_of(
    json_values.map(_dumps),
    st.fixed_dictionaries({"action": actions}, optional={"payload": json_values, "ref": refs}).map(
        _dumps
    ),
    chat_like().map(_dumps),
)
huge = st.integers(min_value=1, max_value=3 * MAX_MESSAGE_SIZE).map(
    lambda n: _dumps({"action": "chat", "payload": {"room": CANARY * (n // 3), "text": "x"}})
)
deep = st.tuples(st.integers(min_value=1, max_value=50_000), st.sampled_from("[{")).map(
    lambda d: (
        '{"action":"echo","payload":'
        + ("[" * d[0] + "]" * d[0] if d[1] == "[" else '{"a":' * d[0] + "1" + "}" * d[0])
        + "}"
    )
)
garbage = st.one_of(
    canary_text,
    st.builds(lambda s: s + CANARY, st.text(alphabet='{}[]":,\\0123456789.eE+-tfnul ')),
    st.sampled_from(
        [
            '{"action":"echo","payload":"\\ud800"}',
            '{"action":"chat","payload":{"room":"\\udfff\\ud800","text":"\\u0000"}}',
            '{"action":"echo","payload":1e999999}',
            '{"action":"echo","payload":' + "9" * 5000 + "}",
            '{"action":"ping","action":"chat"}',
            "",
            " ",
            "null",
        ]
    ),
)
text_frames = st.one_of(json_frames, huge, deep, garbage)
binary_frames = st.binary(max_size=2000) | st.just(b"\xff\xfe\xfd" + CANARY.encode())
frames: st.SearchStrategy[str | bytes] = st.one_of(
    text_frames, text_frames, text_frames, binary_frames
)


def check_response(frame: str | bytes, response: str) -> None:
    """One response to ``frame``: defined, small when an error, free of input and internals."""
    data = json.loads(response)
    assert isinstance(data, dict), response[:200]
    assert data.get("action") in DEFINED_ACTIONS, response[:200]
    if data["action"] == "error":
        assert len(response.encode()) < ERROR_LIMIT, f"error frame of {len(response)} chars"
    data.pop("ref", None)  # the client's correlation id comes back by design
    scrubbed = json.dumps(data)
    assert CANARY not in scrubbed, f"input echoed: {scrubbed[:300]}"
    for leak in ("Traceback", 'File "', SECRET, "redis://"):
        assert leak not in scrubbed, f"{leak!r} leaked: {scrubbed[:300]}"


def sentinel(n: int) -> tuple[str, str]:
    """A valid frame sent after each fuzz case, and the reply that ends the case."""
    value = -(10**15) - n
    return f'{{"action":"echo","payload":{value}}}', f'{{"action":"echo_reply","payload":{value}}}'


async def _exchange(ws: WebsocketCommunicator, frame: str | bytes, n: int) -> None:
    if isinstance(frame, bytes):
        await ws.send_bytes(frame)
    else:
        await ws.send_text(frame)
    request, reply = sentinel(n)
    await ws.send_text(request)
    responses = []
    while (text := await ws.receive_text(timeout=10)) != reply:
        responses.append(text)
    assert len(responses) == 1, f"{len(responses)} responses to one frame: {responses!r:.500}"
    check_response(frame, responses[0])


def test_fuzzed_frames_in_process_get_one_bounded_answer_each() -> None:
    cases = 0
    with isolated_layer(), asyncio.Runner() as runner:
        ws = WebsocketCommunicator(build_app(), "/ws")
        assert runner.run(ws.connect()).accepted

        @settings(FUZZ_SETTINGS, max_examples=2000)
        @given(frame=frames)
        def case(frame: str | bytes) -> None:
            nonlocal cases
            cases += 1
            runner.run(_exchange(ws, frame, cases))

        try:
            case()
            # the connection is still open and serves a valid frame
            runner.run(ws.send_text('{"action":"ping"}'))
            assert runner.run(ws.receive_json()) == {"action": "pong", "payload": None}
        finally:
            runner.run(ws.disconnect())
    assert cases >= 2000


@pytest.mark.e2e
def test_fuzzed_frames_over_a_real_socket() -> None:
    cases = 0
    with UvicornServer() as server, sync_connect(f"{server.url}/ws", max_size=None) as ws:

        @settings(FUZZ_SETTINGS, max_examples=250)
        @given(frame=frames)
        def case(frame: str | bytes) -> None:
            nonlocal cases
            cases += 1
            ws.send(frame)
            request, reply = sentinel(cases)
            ws.send(request)
            responses = []
            while (text := ws.recv(timeout=10)) != reply:
                assert isinstance(text, str)
                responses.append(text)
            assert len(responses) == 1, f"{len(responses)} responses: {responses!r:.500}"
            check_response(frame, responses[0])

        case()
        ws.send('{"action":"ping"}')
        assert json.loads(ws.recv(timeout=10)) == {"action": "pong", "payload": None}
    assert cases >= 250
