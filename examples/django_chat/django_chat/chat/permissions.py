"""Object permission on a room: private rooms admit their members only."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission


class IsRoomMember(BasePermission):
    """Public rooms are open to everyone; private rooms to their members."""

    message = "You are not a member of this room."

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        """Runs in the authenticator's worker thread, so plain ORM calls are fine."""
        if not obj.is_private:
            return True
        return bool(obj.members.filter(pk=request.user.pk).exists())
