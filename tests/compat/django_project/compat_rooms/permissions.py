from rest_framework.permissions import BasePermission


class IsRoomMember(BasePermission):
    """Object permission; the room comes from the route's ``room_id`` (``view.kwargs``)."""

    message = "You are not a member of this room."

    def has_permission(self, request, view):
        return "room_id" in view.kwargs

    def has_object_permission(self, request, view, obj):
        return obj.members.filter(pk=request.user.pk).exists()
