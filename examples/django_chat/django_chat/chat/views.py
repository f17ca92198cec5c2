"""An HTTP view that pushes an event to the room's WebSocket clients."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from django_chat.chat.events import announce_join


@csrf_exempt
@require_POST
def announce_join_view(request: HttpRequest, pk: int) -> JsonResponse:
    """``POST rooms/<pk>/join/?username=...``: broadcast a ``user_joined`` event to the room."""
    username = request.GET.get("username", "someone")
    announce_join(pk, username)
    return JsonResponse({"status": "sent", "room": pk})
