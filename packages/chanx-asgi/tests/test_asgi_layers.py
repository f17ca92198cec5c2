"""Layer configuration: in-memory by default, Redis on request, clear start-up errors."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from fast_channels.layers import channel_layers
from fast_channels.layers.redis import RedisChannelLayer, RedisPubSubChannelLayer

from chanx.core.layers import InMemoryChannelLayer
from chanx.fast_channels.layers import (
    LayerUnavailableError,
    get_layer,
    redact_url,
    register_layer,
    setup_layers,
    unregister_layer,
)
from chanx.fast_channels.testing import isolated_layer

pytestmark = pytest.mark.asgi


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_default_alias_falls_back_to_the_core_in_memory_layer() -> None:
    with isolated_layer():
        unregister_layer("default")
        layer: Any = get_layer("default")
        assert isinstance(layer, InMemoryChannelLayer)
        assert get_layer("default") is layer  # registered once, then reused
        registered: Any = channel_layers.get("default")
        assert registered is layer
    assert get_layer(None) is None


def test_unknown_alias_is_an_error_naming_it() -> None:
    with pytest.raises(LayerUnavailableError, match="'missing'"):
        get_layer("missing")


def test_setup_without_url_registers_in_memory() -> None:
    with isolated_layer("mem"):
        layer = setup_layers(None, alias="mem", capacity=5)
        assert isinstance(layer, InMemoryChannelLayer)
        assert layer.capacity == 5
        assert get_layer("mem") is layer


def test_unreachable_redis_fails_at_setup_naming_the_url() -> None:
    url = f"redis://user:s3cret@127.0.0.1:{_closed_port()}/0"
    with pytest.raises(LayerUnavailableError) as info:
        setup_layers(url, alias="never", probe_timeout=0.5)
    message = str(info.value)
    assert "127.0.0.1" in message
    assert "user:***@" in message
    assert "s3cret" not in message
    assert "never" not in channel_layers


def test_redact_url() -> None:
    assert redact_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
    assert redact_url("redis://:pw@h:1/0") == "redis://:***@h:1/0"


def test_bad_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="'kafka'"):
        setup_layers("redis://127.0.0.1:1/0", kind="kafka", probe=False)  # type: ignore[arg-type]


@pytest.mark.redis
async def test_setup_registers_redis_layers_with_a_large_pool(
    redis_url: str, redis_layer: Any
) -> None:
    core = redis_layer(kind="core", alias="core-layer")
    assert isinstance(core, RedisChannelLayer)
    assert core.hosts[0]["max_connections"] == 1000
    found: Any = get_layer("core-layer")
    assert found is core
    pubsub = redis_layer(kind="pubsub", alias="pubsub-layer")
    assert isinstance(pubsub, RedisPubSubChannelLayer)
    for layer in (core, pubsub):
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "x.y", "n": 1})
        assert await layer.receive(channel) == {"type": "x.y", "n": 1}


def test_register_layer_replaces() -> None:
    with isolated_layer("swap") as first:
        second = InMemoryChannelLayer()
        register_layer("swap", second)
        assert get_layer("swap") is second
        assert get_layer("swap") is not first
