"""Authentication: a token in the query string decides who may connect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from chanx.core.authenticator import BaseAuthenticator
from chanx.core.decorators import ws_handler
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseMessage


@dataclass
class User:
    id: int
    name: str


# Stands in for your user store.
TOKENS = {"secret-alice": User(1, "alice"), "secret-bob": User(2, "bob")}


async def get_user_by_token(token: str) -> User | None:
    return TOKENS.get(token)


class TokenAuthenticator(BaseAuthenticator):
    # Documentation only: tells the AsyncAPI document where the credential goes.
    security_schemes = {"token": {"type": "httpApiKey", "name": "token", "in": "query"}}

    async def authenticate(self) -> bool:
        token = self.get_query_param("token")
        if not token:
            self.detail = "A token query parameter is required"
            return False
        self.user = await get_user_by_token(token)
        if self.user is None:
            self.status_code, self.detail = 403, "Unknown token"
            return False
        return True


class WhoAmI(BaseMessage):
    action: Literal["whoami"] = "whoami"


class Identity(BaseMessage):
    action: Literal["identity"] = "identity"
    payload: str


class PrivateConsumer(AsyncJsonWebsocketConsumer):
    authenticator_class = TokenAuthenticator

    async def post_authentication(self) -> None:
        # Runs once the token was accepted, before any client frame is handled.
        user: User = self.user
        assert self.channel_layer is not None
        group = f"user_{user.id}"
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups.append(group)  # left automatically when the connection closes

    @ws_handler
    async def handle_whoami(self, message: WhoAmI) -> Identity:
        return Identity(payload=self.user.name)
