"""Topic subscriptions on one connection (``chanx.client``)."""

from chanx.client import BaseTopicConnection, BaseTopicHandle

__all__ = ["BaseTopicConnection", "BaseTopicHandle"]
