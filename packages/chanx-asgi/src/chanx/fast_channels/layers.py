"""Channel layers for the ASGI binding, kept in fast-channels' layer registry.

Consumers look their layer up by ``channel_layer_alias`` in fast-channels' registry, so a layer
registered with ``fast_channels.layers.register_channel_layer`` works as is. When nothing is
registered under ``"default"``, the first lookup registers chanx-core's
:class:`~chanx.core.layers.InMemoryChannelLayer` there: an O(1) in-process layer, unlike
fast-channels' own in-memory layer, which scans every channel on every call.

:func:`setup_layers` configures Redis for several server processes: it checks that Redis
answers (a wrong URL fails at start-up, naming the URL, instead of at the first connection)
and gives the connection pool room for many connections (redis-py refuses the 101st
concurrent connection of a default pool instead of waiting).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any, Literal, cast
from urllib.parse import urlsplit, urlunsplit

from chanx.core.layers import InMemoryChannelLayer
from chanx.core.outage_buffer import DEFAULT_MAX_AGE, DEFAULT_MAX_ITEMS, configure_outage_buffer
from chanx.fast_channels._memory_adapter import AdaptedInMemoryChannelLayer as _AdaptedLayer
from chanx.fast_channels._memory_adapter import adapt
from fast_channels.layers import channel_layers, register_channel_layer

if TYPE_CHECKING:
    from chanx.core.types import ChannelLayer
    from fast_channels.layers import BaseChannelLayer

__all__ = [
    "DEFAULT_ALIAS",
    "LayerUnavailableError",
    "get_layer",
    "redact_url",
    "register_layer",
    "setup_layers",
    "unregister_layer",
]

#: Alias consumers use unless they set ``channel_layer_alias``.
DEFAULT_ALIAS = "default"
#: Pool size per process and event loop; redis-py's default of 100 is too small for a server.
DEFAULT_MAX_CONNECTIONS = 1000

_default_lock = threading.Lock()
logger = logging.getLogger("chanx.layer")


class LayerUnavailableError(RuntimeError):
    """A configured channel layer cannot be reached or is missing."""


def redact_url(url: str) -> str:
    """``url`` with its password replaced by ``***``, safe to log and to put in errors."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def register_layer(alias: str, layer: Any) -> None:
    """Register ``layer`` under ``alias`` in fast-channels' registry (replacing any)."""
    register_channel_layer(alias, cast("BaseChannelLayer", layer))


def unregister_layer(alias: str) -> None:
    """Remove the layer of ``alias``; a later lookup of ``"default"`` recreates an in-memory one."""
    channel_layers.unregister(alias)


def get_layer(alias: str | None) -> ChannelLayer | None:
    """The layer registered under ``alias``; ``"default"`` falls back to an in-memory layer.

    ``None`` means "no layer". Any other alias that was never registered is an error: a
    consumer would otherwise silently ignore its groups. A registered
    ``fast_channels.layers.InMemoryChannelLayer`` is adapted in place on first lookup
    (direct delivery to chanx consumers, no per-call scans; see
    :mod:`chanx.fast_channels._memory_adapter`), without losing anything queued on it.
    """
    if alias is None:
        return None
    layer = channel_layers.get(alias)
    if layer is None:
        if alias != DEFAULT_ALIAS:
            raise LayerUnavailableError(
                f"no channel layer is registered under {alias!r}; call "
                "chanx.fast_channels.layers.setup_layers(..., alias=...) or register_layer()"
            )
        with _default_lock:
            layer = channel_layers.get(alias)
            if layer is None:
                layer = cast("BaseChannelLayer", InMemoryChannelLayer())
                register_channel_layer(alias, layer)
    elif type(layer) is not _AdaptedLayer and adapt(layer):
        logger.info(
            "fast-channels' InMemoryChannelLayer under %r adapted for chanx consumers (direct "
            "delivery, no per-call scans); chanx.fast_channels.layers.setup_layers() registers "
            "chanx's own in-memory layer instead",
            alias,
        )
    return cast("ChannelLayer", layer)


def _probe(url: str, timeout: float) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise LayerUnavailableError(
            f"Redis at {redact_url(url)} is unavailable ({type(exc).__name__}: {exc})"
        ) from None
    finally:
        client.close()


def setup_layers(
    redis_url: str | None = None,
    *,
    kind: Literal["core", "pubsub"] = "core",
    alias: str = DEFAULT_ALIAS,
    prefix: str = "asgi",
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    capacity: int = 1000,
    probe: bool = True,
    probe_timeout: float = 2.0,
    outage_max_age: float = DEFAULT_MAX_AGE,
    outage_max_items: int = DEFAULT_MAX_ITEMS,
    **options: Any,
) -> ChannelLayer:
    """Register the channel layer of ``alias`` and return it.

    Args:
        redis_url: ``redis://`` URL; ``None`` (or empty) registers an in-memory layer.
        kind: ``"core"``: fast-channels' ``RedisChannelLayer`` (sorted sets, per-channel
            capacity, messages survive a short consumer pause); ``"pubsub"``:
            ``RedisPubSubChannelLayer`` (Redis pub/sub, lower latency, no persistence).
            All processes talking to each other must use the same kind and ``prefix``.
        prefix: key/channel prefix in Redis; separates applications sharing one Redis.
        max_connections: connection pool size per event loop; on the core layer a command
            that finds every connection busy waits for one (up to 10 s) instead of failing.
        capacity: messages buffered per channel (core layer; in-memory layer).
        probe: PING Redis now and raise :class:`LayerUnavailableError` naming the URL if it
            does not answer.
        outage_max_age: seconds a send made while Redis is unreachable waits for it to come
            back before it is dropped loudly; ``0`` makes such sends fail at once
            (:mod:`chanx.core.outage_buffer`).
        outage_max_items: sends buffered at most during an outage (per process).
        options: passed to the layer class (e.g. ``expiry``, ``group_expiry``,
            ``serializer_format``, ``symmetric_encryption_keys``).
    """
    if not redis_url:
        layer: Any = InMemoryChannelLayer(capacity=capacity)
        register_layer(alias, layer)
        return cast("ChannelLayer", layer)
    if kind not in ("core", "pubsub"):
        raise ValueError(f"kind must be 'core' or 'pubsub', got {kind!r}")
    try:
        from fast_channels.layers.redis import RedisPubSubChannelLayer
    except ImportError as exc:
        raise LayerUnavailableError(
            f"Redis channel layers need the redis extra: pip install 'chanx-asgi[redis]' ({exc})"
        ) from None
    if probe:
        _probe(redis_url, probe_timeout)

    host = {"address": redis_url, "max_connections": max_connections}
    if kind == "core":
        from chanx.fast_channels._redis import ChanxRedisChannelLayer

        # RedisChannelLayer with one reader per process for its local channels (_redis.py)
        layer = ChanxRedisChannelLayer(hosts=[host], prefix=prefix, capacity=capacity, **options)
    else:
        layer = RedisPubSubChannelLayer(hosts=[host], prefix=prefix, **options)
    configure_outage_buffer(layer, max_age=outage_max_age, max_items=outage_max_items)
    register_layer(alias, layer)
    return cast("ChannelLayer", layer)
