"""App configuration of the chat rooms."""

from __future__ import annotations

from django.apps import AppConfig


class ChatConfig(AppConfig):
    """The chat app (label ``chat``)."""

    name = "django_chat.chat"
    label = "chat"
    default_auto_field = "django.db.models.BigAutoField"
