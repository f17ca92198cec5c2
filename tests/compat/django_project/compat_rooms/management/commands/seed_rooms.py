import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from rest_framework.authtoken.models import Token

from compat_rooms.models import Room


class Command(BaseCommand):
    help = "Create alice and carol (members of 'den') and bob (not a member); print JSON."

    def handle(self, *args, **options):
        tokens = {}
        for name in ("alice", "bob", "carol"):
            user, _ = get_user_model().objects.get_or_create(username=name)
            tokens[name] = Token.objects.get_or_create(user=user)[0].key
        den, _ = Room.objects.get_or_create(name="den")
        den.members.add(*get_user_model().objects.filter(username__in=["alice", "carol"]))
        self.stdout.write(json.dumps({"tokens": tokens, "rooms": {"den": den.pk}}))
