"""The generated TypeScript client: compiles with ``tsc --strict`` and, under Node with the
``ws`` WebSocket, talks to the real uvicorn server like the Python client does."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from client_node_tools import compile_driver
from client_servers import AppServer, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.asgi]


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The compiled Node driver (``client_node.js``)."""
    out = tmp_path_factory.mktemp("tsbuild")
    result = compile_driver(out)
    assert result.returncode == 0, result.stdout + result.stderr
    return out / "packages" / "chanx-client" / "tests" / "node" / "client_node.js"


def run(driver: Path, scenario: str, base: str) -> Any:
    result = subprocess.run(
        ["node", str(driver), scenario, base],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_generated_client_compiles_with_tsc_strict(driver: Path) -> None:
    # The driver fixture ran tsc --strict (tsconfig.json) and asserted a clean exit.
    root = driver.parents[4]
    assert (root / "packages" / "chanx-client" / "tests" / "ts_client" / "room.js").exists()
    assert (root / "packages" / "chanx-client" / "tests" / "ts_topic_client" / "hub.js").exists()
    assert (root / "docs" / "examples" / "clients_typescript.js").exists()


def test_typed_request_reply(driver: Path, server: AppServer) -> None:
    result = run(driver, "request_reply", server.base)
    assert result["seqs"] == list(range(20))
    assert result["texts"] == [f"line {i}" for i in range(20)]


def test_broadcasts_and_events(driver: Path, server: AppServer) -> None:
    result = run(driver, "broadcast_events", server.base)
    assert result == {"said": "hello room", "announcement": "from a handler"}


@pytest.mark.parametrize(
    ("scenario", "error", "code"),
    [("auth_unauthenticated", "unauthenticated", 4401), ("auth_forbidden", "forbidden", 4403)],
)
def test_auth_failure_is_typed_and_final(
    driver: Path, server: AppServer, scenario: str, error: str, code: int
) -> None:
    # The driver retries forever on transient failures: it only ends because auth is final.
    result = run(driver, scenario, server.base)
    assert result == {"error": error, "code": code, "connections": 1, "state": "closed"}


def test_header_credentials(driver: Path, server: AppServer) -> None:
    assert run(driver, "header_auth", server.base) == {"text": "by header"}


def test_camelized_channel(driver: Path, server: AppServer) -> None:
    assert run(driver, "camel", server.base) == {"userText": "HI", "timesRepeated": 2}


def test_dead_server_gives_up_as_configured(driver: Path) -> None:
    result = run(driver, "dead_server", f"127.0.0.1:{free_port()}")
    assert result == {"error": "gave_up", "attempts": 3, "state": "closed"}


def test_restart_mid_stream_loses_and_duplicates_no_reply(driver: Path, server: AppServer) -> None:
    lines: list[str] = []
    with subprocess.Popen(
        ["node", str(driver), "restart", server.base],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdin is not None
        assert process.stdout is not None
        assert process.stderr is not None
        try:
            for raw in process.stdout:
                line = raw.strip()
                lines.append(line)
                if line == "KILL":
                    server.kill()
                elif line == "START":
                    server.start()
                    process.stdin.write("GO\n")
                    process.stdin.flush()
                elif line.startswith("{"):
                    break
            assert process.wait(60) == 0, process.stderr.read()
        finally:
            if process.poll() is None:
                process.kill()
    result = json.loads(lines[-1])
    assert result["seqs"] == list(range(200))
    assert result["duplicates"] == 0
    assert result["matched"] is True
    assert result["connections"] == 2
    assert result["name"] == "ts"  # the first frame went out again on the new connection


def test_topics_resubscribe_and_recover_after_a_restart(
    driver: Path, topic_server: AppServer
) -> None:
    from client_topic_app import Tick, TickerTopic

    lines: list[str] = []
    with subprocess.Popen(
        ["node", str(driver), "topics", topic_server.base],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdin is not None
        assert process.stdout is not None
        assert process.stderr is not None
        try:
            for raw in process.stdout:
                line = raw.strip()
                lines.append(line)
                if line == "KILL":
                    topic_server.kill()
                elif line == "DOWN":
                    for value in range(6, 31):  # published while the server is down
                        TickerTopic.broadcast_sync("ticker:TS", Tick(payload=value))
                    topic_server.start()
                    process.stdin.write("GO\n")
                    process.stdin.flush()
                elif line.startswith("{"):
                    break
            assert process.wait(60) == 0, process.stderr.read()
        finally:
            if process.poll() is None:
                process.kill()
    assert json.loads(lines[-1]) == {
        "seen": list(range(1, 32)),  # each tick once, in order
        "last": 5,
        "after": 31,
        "recovered": True,
        "sameEpoch": True,
        "connections": 2,
        "same": True,
    }


def test_a_topic_handle_drops_replayed_duplicates_and_restarts_on_a_new_epoch(
    driver: Path,
) -> None:
    # as test_client_topic_handle.py does for the Python client (no server: base is unused)
    result = run(driver, "topic_position", "127.0.0.1:9")
    assert result == {
        "seen": [30, 40, 50, 10],
        "frame": {
            "action": "subscribe",
            "topic": "ticker:POS",
            "payload": {"seq": 5, "epoch": "e1"},
        },
        "restarted": ["e2", 0],
    }


def test_frames_wait_in_a_bounded_queue_until_connected(driver: Path, server: AppServer) -> None:
    result = run(driver, "queue_limit", server.base)
    assert result == {"refused": "QueueFullError", "seqs": [0, 1, 2]}


def run_freezing(driver: Path, scenario: str, server: AppServer) -> Any:
    """Run ``scenario``, which prints ``FREEZE`` (the server is then stopped, and ``FROZEN``
    written to it) and ``THAW`` (the server runs again, and ``THAWED`` is written)."""
    with subprocess.Popen(
        ["node", str(driver), scenario, server.base],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdin is not None
        assert process.stdout is not None
        assert process.stderr is not None
        lines: list[str] = []

        def tell(line: str) -> None:
            assert process.stdin is not None
            process.stdin.write(line + "\n")
            process.stdin.flush()

        try:
            for raw in process.stdout:
                line = raw.strip()
                lines.append(line)
                if line == "FREEZE":
                    server.freeze()
                    tell("FROZEN")
                elif line == "THAW":
                    server.thaw()
                    tell("THAWED")
                elif line.startswith("{"):
                    break
            assert process.wait(60) == 0, process.stderr.read()
        finally:
            server.thaw()  # never leave the server stopped
            if process.poll() is None:
                process.kill()
    return json.loads(lines[-1])


def test_heartbeat_notices_a_frozen_server(driver: Path, server: AppServer) -> None:
    assert run_freezing(driver, "heartbeat", server) == {"seq": 7, "reconnected": True}


def test_a_request_unanswered_in_time_rejects_and_its_late_reply_is_a_plain_message(
    driver: Path, server: AppServer
) -> None:
    assert run_freezing(driver, "late_reply", server) == {"timedOut": True, "lateSeq": 9}
