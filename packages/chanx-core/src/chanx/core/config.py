"""The configuration attributes every chanx consumer reads, with their defaults.

They are plain class attributes, read directly on the hot path (never through a settings
object per message): set them on a consumer, on a shared base consumer, or (Django) through
the ``CHANX`` setting, which the Django binding applies to its own base class.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from chanx.constants import COMPLETE_ACTIONS

if TYPE_CHECKING:
    from chanx.core.authenticator import BaseAuthenticator
    from chanx.core.topic import Topic

__all__ = ["Config", "ConsumerConfig", "config"]


class ConsumerConfig:
    """Configuration of a consumer class; every attribute may be overridden by a subclass."""

    #: Send ``{"action": "complete"}`` after each client frame was handled (errors included).
    send_completion: bool = False
    #: Yield to the event loop after each send (costs a loop iteration per message).
    send_message_immediately: bool = False
    #: Log each received frame's action at INFO level.
    log_websocket_message: bool = False
    #: Actions never logged even when ``log_websocket_message`` is on.
    log_ignored_actions: Iterable[str] = ()
    #: snake_case models, camelCase on the wire.
    camelize: bool = False
    #: Field whose Literal value routes a frame.
    discriminator_field: str = "action"
    #: Channel layer alias; ``None`` disables the layer.
    channel_layer_alias: str | None = "default"
    #: Authenticator run before the handshake completes and before any frame is routed.
    authenticator_class: type[BaseAuthenticator] | None = None
    #: Groups joined after authentication and targeted by default broadcasts.
    groups: list[str] = []
    #: More groups, merged across the MRO (mixins declare theirs) and joined after ``groups``.
    extra_groups: list[str] = []
    #: Messages sent outside any handler (e.g. from ``post_authentication``), merged across
    #: the MRO: documented in AsyncAPI and known to the test helpers.
    emits: Sequence[type[BaseModel]] = ()
    #: Event types forwarded to the client unchanged (merged across the MRO).
    passthrough_events: Sequence[type[BaseModel]] = ()
    #: Prefix of the generated passthrough handler methods.
    passthrough_method_prefix: str = "handle_passthrough_"
    #: Largest accepted text frame, in characters; larger frames get an error frame.
    max_message_size: int = 1_048_576
    #: Frames of one connection handled at once; 1 keeps strict order.
    max_concurrent_handlers: int = 1
    #: Seconds a handler may run before it is cancelled with an error frame; None: no limit.
    handler_timeout: float | None = None
    #: Topic classes clients may subscribe to over this connection (chanx.core.topic).
    topics: Sequence[type[Topic[Any]]] = ()
    #: A topic subscribed on connect from the URL parameters; frames without ``topic`` go to it.
    default_topic: type[Topic[Any]] | None = None
    #: Subscriptions one connection may hold; one more gets a ``too_many_topics`` error.
    max_topics: int = 100
    #: Close connections gracefully on SIGTERM (chanx.core.shutdown): finish the running
    #: handler, then close with 1012. ``False``: the server's own shutdown applies.
    graceful_shutdown: bool = True
    #: Seconds a graceful shutdown waits for a connection's in-flight handlers before it
    #: closes the connection anyway.
    shutdown_timeout: float = 10.0

    # -- chanx 2.x's read-only views of the settings ---------------------------------------
    @property
    def should_send_completion(self) -> bool:
        """Whether completion frames are written (``send_completion`` as it applies here)."""
        return bool(self.send_completion)

    @property
    def should_camelize(self) -> bool:
        """Whether keys are camelCase on the wire (``camelize`` as it applies here)."""
        return bool(self.camelize)

    @property
    def all_log_ignored_actions(self) -> set[str]:
        """Actions never logged: ``log_ignored_actions`` plus the three completion actions."""
        return {*self.log_ignored_actions, *COMPLETE_ACTIONS}


class Config:
    """Process-wide defaults of the consumer configuration, read and set by attribute.

    ``config.send_completion = True`` makes it the default of every consumer that does not set
    it itself (it sets the attribute on :class:`ConsumerConfig`). Attributes the routing table
    is compiled from (``camelize``, ``discriminator_field``, ``passthrough_method_prefix``,
    ``log_ignored_actions``) apply to consumer classes created afterwards: set them at start-up.
    Django projects use the ``CHANX`` setting instead, which the Django binding applies.
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> object:
        if name.startswith("_") or name not in ConsumerConfig.__annotations__:
            raise AttributeError(f"chanx config has no setting {name!r}")
        return getattr(ConsumerConfig, name)

    def __setattr__(self, name: str, value: object) -> None:
        if name.startswith("_") or name not in ConsumerConfig.__annotations__:
            known = ", ".join(sorted(n for n in ConsumerConfig.__annotations__ if n[0] != "_"))
            raise AttributeError(f"chanx config has no setting {name!r}; settings: {known}")
        setattr(ConsumerConfig, name, value)


#: The process-wide defaults (see :class:`Config`).
config = Config()
