"""Testing chanx consumers in a Django project: communicators, a test case and auth helpers.

.. code-block:: python

    from chanx.channels.testing import WebsocketTestCase

    class RoomTests(WebsocketTestCase):
        consumer = RoomConsumer
        ws_path = "/ws/rooms/1/"

        def get_ws_headers(self) -> list[tuple[bytes, bytes]]:
            return [(b"authorization", f"Token {self.token}".encode())]

        async def test_chat(self) -> None:
            await self.auth_communicator.connect()
            await self.auth_communicator.assert_authenticated_status_ok()
            await self.auth_communicator.send_message(ChatMessage(payload="hi"))
            replies = await self.auth_communicator.receive_all_messages()

The communicators are chanx's in-process :class:`~chanx.core.testing.WebsocketHarness` (a
receive timeout never cancels the application) with Django defaults: an ``Origin`` header,
unless the caller passed one, so ``AllowedHostsOriginValidator`` lets them in.
"""

from chanx.channels.testing.communicator import DjangoWebsocketCommunicator, WebsocketCommunicator
from chanx.channels.testing.credentials import session_headers, token_headers
from chanx.channels.testing.layers import capture_layer
from chanx.channels.testing.testcase import WebsocketTestCase
from chanx.core.testing import ConnectResult, RecordingLayer

__all__ = [
    "ConnectResult",
    "DjangoWebsocketCommunicator",
    "RecordingLayer",
    "WebsocketCommunicator",
    "WebsocketTestCase",
    "capture_layer",
    "session_headers",
    "token_headers",
]
