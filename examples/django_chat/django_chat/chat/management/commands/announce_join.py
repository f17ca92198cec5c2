"""``manage.py announce_join ROOM_ID USERNAME``: broadcast a join event from the command line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from django_chat.chat.events import announce_join


class Command(BaseCommand):
    """Sends a ``user_joined`` event to every client of a room."""

    help = "Broadcast a user_joined event to a room's WebSocket clients."

    def add_arguments(self, parser: CommandParser) -> None:
        """ROOM_ID and USERNAME."""
        parser.add_argument("room_id", type=int)
        parser.add_argument("username", type=str)

    def handle(self, *args: Any, **options: Any) -> None:
        """Broadcast and report."""
        announce_join(options["room_id"], options["username"])
        self.stdout.write(f"announced {options['username']} in room {options['room_id']}")
