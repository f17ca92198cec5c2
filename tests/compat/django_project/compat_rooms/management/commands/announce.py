from django.core.management.base import BaseCommand

from compat_rooms.consumers import RoomConsumer
from compat_rooms.messages import AnnouncementEvent, AnnouncementPayload


class Command(BaseCommand):
    help = "Send an announcement event to a room's group."

    def add_arguments(self, parser):
        parser.add_argument("room_id", type=int)
        parser.add_argument("text")

    def handle(self, *args, room_id, text, **options):
        RoomConsumer.broadcast_event_sync(
            AnnouncementEvent(payload=AnnouncementPayload(text=text)), [f"room_{room_id}"]
        )
