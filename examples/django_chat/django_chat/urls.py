"""HTTP routes of the example (an event sent from a view)."""

from __future__ import annotations

from django.urls import path

from django_chat.chat import views

urlpatterns = [
    path("rooms/<int:pk>/join/", views.announce_join_view, name="announce-join"),
]
