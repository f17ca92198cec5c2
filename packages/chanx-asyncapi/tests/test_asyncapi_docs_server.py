"""The standard-library docs server behind ``chanx-asyncapi serve``, in process."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator

import asyncapi_kitchen as kitchen
import pytest

from chanx.asyncapi import generate, to_json
from chanx.asyncapi.docs_server import make_docs_server


@pytest.fixture
def base_url() -> Iterator[str]:
    server = make_docs_server(generate(kitchen.routes), "127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_get_and_head(base_url: str) -> None:
    with urllib.request.urlopen(base_url + "/asyncapi.json?x=1", timeout=10) as resp:
        assert resp.read().decode() == to_json(generate(kitchen.routes))
    head = urllib.request.Request(base_url + "/index.html", method="HEAD")
    with urllib.request.urlopen(head, timeout=10) as resp:
        assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
        assert int(resp.headers["Content-Length"]) > 1000
        assert resp.read() == b""


def test_unknown_paths_are_404(base_url: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(base_url + "/secret", timeout=10)
    assert err.value.code == 404
    err.value.close()  # an HTTPError holds the response socket
