"""``manage.py seed_chat``: demo users, rooms and tokens, printed as JSON (used by the tests)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone
from rest_framework.authtoken.models import Token

from django_chat.chat.models import ChatRoom


class Command(BaseCommand):
    """Creates alice (member of the private room), bob (not a member) and carol (expired token)."""

    help = "Create demo users, rooms and tokens; print them as JSON."

    def handle(self, *args: Any, **options: Any) -> None:
        """Create (or reuse) the demo data."""
        users = {}
        for name in ("alice", "bob", "carol"):
            user, _ = get_user_model().objects.get_or_create(username=name)
            token, _ = Token.objects.get_or_create(user=user)
            users[name] = token
        carol = users["carol"]
        Token.objects.filter(pk=carol.pk).update(created=timezone.now() - timedelta(days=30))
        lobby, _ = ChatRoom.objects.get_or_create(name="lobby")
        secret, _ = ChatRoom.objects.get_or_create(name="secret", defaults={"is_private": True})
        secret.members.add(users["alice"].user)
        data = {
            "tokens": {name: token.key for name, token in users.items()},
            "rooms": {"lobby": lobby.pk, "secret": secret.pk},
        }
        self.stdout.write(json.dumps(data))
