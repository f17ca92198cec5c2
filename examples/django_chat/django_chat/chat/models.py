"""A chat room; private rooms admit their members only."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ChatRoom(models.Model):
    """A room clients connect to at ``ws/rooms/<pk>/``."""

    name = models.CharField(max_length=100, unique=True)
    is_private = models.BooleanField(default=False)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="rooms", blank=True)

    def __str__(self) -> str:
        return self.name
