"""chanx 2.x's code-only helpers: chanx.utils.scope, .framework and .streaming."""

from __future__ import annotations

import importlib.util
from types import SimpleNamespace

import pytest

from chanx.utils.framework import channel_layer, consumer_base, detect_framework
from chanx.utils.scope import path_param, path_params, query_params, scope_user
from chanx.utils.streaming import DeltaTracker


def test_path_params_under_both_frameworks() -> None:
    channels_scope = {"url_route": {"args": (), "kwargs": {"room": "a"}}}
    starlette_scope = {"path_params": {"room": "b"}}
    assert path_params(channels_scope) == {"room": "a"}
    assert path_params(starlette_scope) == {"room": "b"}
    assert path_params({}) == {}
    assert path_param(starlette_scope, "room") == "b"
    assert path_param(starlette_scope, "other", None) is None
    with pytest.raises(KeyError, match="'other'"):
        path_param(channels_scope, "other")


def test_query_params_and_scope_user() -> None:
    assert query_params({"query_string": b"a=1&a=2&b=%C3%A9"}) == {"a": ["1", "2"], "b": ["é"]}
    assert query_params({"query_string": b"bad=\xff"}) == {"bad": ["\ufffd"]}
    assert query_params({}) == {}
    user = SimpleNamespace(is_authenticated=True)
    assert scope_user({"user": user}) is user
    assert scope_user({"user": SimpleNamespace(is_authenticated=False)}) is None
    assert scope_user({}) is None


def test_delta_tracker_sends_only_what_was_added() -> None:
    tracker = DeltaTracker()
    assert [tracker.push(s) for s in ("Hel", "Hello", "Hello", "Hello!")] == ["Hel", "lo", "", "!"]
    assert tracker.advance("Help") == ("Help", True)  # a rewrite is sent whole, and said so
    assert tracker.advance("Help me") == (" me", False)
    tracker.reset()
    assert tracker.push("New") == "New"


def test_framework_detection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    monkeypatch.delenv("CHANX_USE_DJANGO", raising=False)
    if importlib.util.find_spec("chanx.fast_channels") is None:
        pytest.skip("chanx-asgi is not installed here")
    assert detect_framework() == "fast_channels"
    from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer

    assert consumer_base() is AsyncJsonWebsocketConsumer
    monkeypatch.setenv("CHANX_USE_DJANGO", "1")
    assert detect_framework() == "channels"
    if importlib.util.find_spec("chanx.channels") is not None:
        from chanx.channels.websocket import AsyncJsonWebsocketConsumer as DjangoConsumer

        assert consumer_base() is DjangoConsumer


def test_channel_layer_from_fast_channels(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    monkeypatch.delenv("CHANX_USE_DJANGO", raising=False)
    if importlib.util.find_spec("fast_channels") is None:
        pytest.skip("fast-channels is not installed here")
    from fast_channels.layers import (
        InMemoryChannelLayer,
        register_channel_layer,
        unregister_channel_layer,
    )

    layer = InMemoryChannelLayer()
    register_channel_layer("chanx-utils-test", layer)
    try:
        assert channel_layer("chanx-utils-test") is layer
    finally:
        unregister_channel_layer("chanx-utils-test")
