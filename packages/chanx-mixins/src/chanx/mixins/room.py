"""What the mixins share: the store, the room a connection is in, and who its user is.

Presence and typing indicators are scoped to a *room*, identified by a key taken from the URL
(``room_url_param``) unless ``get_room_key`` is overridden, and reach the room through one
channel layer group that both mixins share. Users are identified by ``get_user_key``, which
every mixin (rate limiting per user included) uses, so overriding it once is enough.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import uuid
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, ClassVar

from chanx.core.consumer import ConsumerMixin
from chanx.mixins._settings import check_settings
from chanx.mixins.stores.base import MixinStore
from chanx.mixins.stores.memory import MemoryStore

if TYPE_CHECKING:
    from chanx.core.consumer import ChanxConsumer

    _Base = ChanxConsumer[Any]
else:
    _Base = ConsumerMixin

__all__ = ["DEFAULT_STORE", "RoomMixin", "spawn", "user_key"]

logger = logging.getLogger("chanx.mixins")

#: The process-wide store used when a consumer does not set ``mixin_store``.
DEFAULT_STORE: MixinStore = MemoryStore()

_SAFE_GROUP = re.compile(r"^[A-Za-z0-9._-]{1,90}$")
# Tasks that outlive their connection (grace timers) are kept here so they are not collected.
_background: set[asyncio.Task[Any]] = set()


def spawn(coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
    """Run ``coro`` in the background, keeping a reference and logging its failure."""
    task = asyncio.create_task(coro, name=name)
    _background.add(task)
    task.add_done_callback(_finished)
    return task


def _finished(task: asyncio.Task[Any]) -> None:
    _background.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.error("%s failed", task.get_name(), exc_info=task.exception())


def user_key(user: Any, connection: str) -> str:
    """The key of ``user`` (pk, id, username, the string itself); anonymous: ``connection``'s."""
    if user is None or getattr(user, "is_authenticated", True) is False:
        return f"anonymous-{connection}"
    if isinstance(user, str | int):
        return str(user)
    for attr in ("pk", "id", "username"):
        value = getattr(user, attr, None)
        if value is not None:
            return str(value)
    return str(user)


class RoomMixin(_Base):
    """Base of the presence and typing mixins; configure it with class attributes."""

    #: Where shared state lives; a :class:`~chanx.mixins.stores.RedisStore` spans processes.
    mixin_store: ClassVar[MixinStore] = DEFAULT_STORE
    #: Prefix of this consumer's rooms in the store and groups; default ``module.QualName``.
    mixin_namespace: ClassVar[str | None] = None
    #: URL path parameter that names the room (``/ws/{room}``).
    room_url_param: ClassVar[str] = "room"

    _mixin_conn: str | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        check_settings(
            cls,
            {
                "mixin_store": (
                    lambda v: isinstance(v, MixinStore),
                    "a MixinStore (MemoryStore() or RedisStore(...))",
                ),
                "mixin_namespace": (lambda v: v is None or isinstance(v, str), "a str or None"),
                "room_url_param": (lambda v: isinstance(v, str) and bool(v), "a non-empty str"),
            },
        )

    @classmethod
    def mixin_scope(cls) -> str:
        """``mixin_namespace``, or the class's module and qualified name."""
        return cls.mixin_namespace or f"{cls.__module__}.{cls.__qualname__}"

    @classmethod
    def namespaced_room(cls, room: str) -> str:
        """The store key of ``room`` for this consumer class."""
        return f"{cls.mixin_scope()}/{room}"

    @classmethod
    def room_group_for(cls, room: str) -> str:
        """The channel layer group of ``room`` (a hash when the room is not a safe name)."""
        name = f"chanx.room.{cls.mixin_scope()}.{room}"
        if _SAFE_GROUP.match(name):
            return name
        return "chanx.room." + hashlib.sha256(cls.namespaced_room(room).encode()).hexdigest()[:40]

    @property
    def connection_key(self) -> str:
        """A random id of this connection, safe to show to other clients."""
        if self._mixin_conn is None:
            self._mixin_conn = uuid.uuid4().hex
        return self._mixin_conn

    def get_room_key(self) -> str:
        """The room of this connection: the ``room_url_param`` path parameter, else the path."""
        param = self.room_url_param
        params = self.scope.get("path_params") or {}
        if param in params:
            return str(params[param])
        kwargs = (self.scope.get("url_route") or {}).get("kwargs") or {}
        if param in kwargs:
            return str(kwargs[param])
        return str(self.scope.get("path", "/"))

    def get_user_key(self) -> str:
        """Who this connection belongs to: the user's pk/id/username; anonymous: the connection.

        The user is ``self.user`` (set by the authenticator), else ``scope["user"]`` (Django's
        ``AuthMiddlewareStack``).
        """
        user = self.user if self.user is not None else self.scope.get("user")
        return user_key(user, self.connection_key)

    def get_room_group(self) -> str:
        """Group shared by the mixins for this room; override to reuse a group you already have."""
        return self.room_group_for(self.get_room_key())

    def mixin_is_closed(self) -> bool:
        """True once the consumer closed the connection (e.g. refused it in a hook)."""
        return bool(getattr(self, "closed", False))

    async def join_room_group(self) -> str:
        """Add this connection to the room group once (it is left automatically on close)."""
        group = self.get_room_group()
        if group not in self.groups:
            await self.join_group(group)
        return group
