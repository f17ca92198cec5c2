"""Runtime of the generated clients (from ``chanx.client``); safe to customize."""

from .client import BaseClient
from .topic_client import BaseTopicConnection, BaseTopicHandle

__all__ = ["BaseClient", "BaseTopicConnection", "BaseTopicHandle"]
