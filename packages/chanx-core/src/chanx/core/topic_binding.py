"""Which framework a topic publishes through and builds its dedicated consumer on.

A topic is framework-free; its layer and ``as_consumer()`` base come from the binding in use:
the ``consumer_base`` it names, else the binding of a consumer that mounts it, else the only
binding imported. Bindings are recorded when their consumer base class is created.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chanx.core.topic import Topic

__all__ = ["BINDINGS", "as_consumer_class", "binding_for", "layer_lookup"]

#: Binding consumer base classes loaded in this process (registered by chanx.core.topic_host).
BINDINGS: list[type] = []


def binding_for(topic: type, chosen: type | None, hosts: list[type]) -> type:
    """The binding consumer base of ``topic``: ``chosen``, a host's binding, the only one."""
    if chosen is not None:
        return chosen
    for host in hosts:  # the binding of a consumer that mounts this topic
        for klass in host.__mro__:
            if klass in BINDINGS:
                return klass
    if len(BINDINGS) == 1:
        return BINDINGS[0]
    names = ", ".join(f"{b.__module__}.{b.__qualname__}" for b in BINDINGS) or "none"
    raise LookupError(
        f"{topic.__qualname__}: cannot tell which framework to use (bindings imported: "
        f"{names}); mount the topic on a consumer or set {topic.__qualname__}.consumer_base"
    )


@functools.cache
def layer_lookup(binding: type, alias: str | None) -> type:
    """A subclass of ``binding`` whose ``get_channel_layer`` looks ``alias`` up."""
    if getattr(binding, "channel_layer_alias", None) == alias:
        return binding
    return type(f"{binding.__name__}LayerLookup", (binding,), {"channel_layer_alias": alias})


_built: dict[tuple[type, type], type] = {}


def as_consumer_class(topic: type[Topic[Any]], base: type) -> type:
    """The consumer class serving only ``topic`` on ``base`` (built once per pair)."""
    built = _built.get((topic, base))
    if built is not None:
        return built
    name = topic.__name__.removesuffix("Topic") + "Consumer"
    namespace: dict[str, Any] = {
        "topics": [topic],
        "default_topic": topic,
        "channel_layer_alias": topic.channel_layer_alias,
        "__doc__": topic.__doc__,
        "__module__": topic.__module__,
        "__qualname__": name,
    }
    built = _built[(topic, base)] = type(name, (base,), namespace)
    return built
