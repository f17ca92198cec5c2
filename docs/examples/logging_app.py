"""Logging: chanx's loggers on the console of a FastAPI app (``uvicorn logging_app:app``).

The consumer refuses connections without ``?token=`` and has a handler that fails, so both
show up in the log: the refusal on ``chanx.auth`` (INFO), the failure with its traceback on
``chanx.consumer`` (ERROR). The client only gets a generic error frame.
"""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import FastAPI

from chanx.core.authenticator import BaseAuthenticator
from chanx.core.decorators import ws_handler
from chanx.fast_channels.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseMessage


def setup_logging(level: int = logging.INFO) -> None:
    """Send chanx's records from ``level`` up to stderr (call once, at start-up)."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    chanx = logging.getLogger("chanx")  # the parent of every chanx logger
    chanx.addHandler(handler)
    chanx.setLevel(level)


class NeedsToken(BaseAuthenticator):
    async def authenticate(self) -> bool:
        self.user = self.get_query_param("token")
        return self.user is not None


class Divide(BaseMessage):
    action: Literal["divide"] = "divide"
    payload: int


class Quotient(BaseMessage):
    action: Literal["quotient"] = "quotient"
    payload: float


class Calculator(AsyncJsonWebsocketConsumer):
    authenticator_class = NeedsToken

    @ws_handler
    async def handle_divide(self, message: Divide) -> Quotient:
        return Quotient(payload=1 / message.payload)  # 0 raises ZeroDivisionError


setup_logging()
app = FastAPI()
app.add_api_websocket_route("/ws/calc", Calculator.as_asgi())
