from django.apps import AppConfig


class CompatRoomsConfig(AppConfig):
    name = "compat_rooms"
