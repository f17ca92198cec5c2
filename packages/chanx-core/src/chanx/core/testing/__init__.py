"""Test chanx consumers in process: a WebSocket client, message helpers and spies.

``WebsocketHarness`` drives any ASGI application without a server; its message vocabulary
(``send_message``, ``receive_all_messages``, ``assert_closed``...) comes from
``WebsocketCommunicatorMixin``, which the bindings' ``WebsocketCommunicator`` classes share.
``capture_broadcast_events`` records a consumer's broadcast events, ``capture_topic_broadcasts``
a topic's publishes; ``RecordingLayer`` records
what goes through a channel layer.
"""

from chanx.core.testing.broadcasts import CapturedBroadcastEvent, capture_broadcast_events
from chanx.core.testing.communicator import TopicLike, WebsocketCommunicatorMixin
from chanx.core.testing.harness import ConnectResult, WebsocketHarness
from chanx.core.testing.layers import RecordingLayer
from chanx.core.testing.topics import CapturedTopicBroadcast, capture_topic_broadcasts

__all__ = [
    "CapturedBroadcastEvent",
    "CapturedTopicBroadcast",
    "ConnectResult",
    "RecordingLayer",
    "TopicLike",
    "WebsocketCommunicatorMixin",
    "WebsocketHarness",
    "capture_broadcast_events",
    "capture_topic_broadcasts",
]
