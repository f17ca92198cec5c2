from channels.routing import URLRouter

from chanx.channels.routing import path
from compat_rooms.consumers import RoomConsumer

router = URLRouter(
    [
        path("rooms/<int:room_id>/", RoomConsumer.as_asgi()),
    ]
)
