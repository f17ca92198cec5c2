"""URLconf of the Django docs test: the docs include for the project's ASGI_APPLICATION."""

from __future__ import annotations

from django.urls import include, path

from chanx.asyncapi.django_urls import asyncapi_urls

urlpatterns = [path("docs/", include(asyncapi_urls(title="Django chat")))]
