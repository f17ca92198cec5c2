"""AsyncAPI URLs: ``path("asyncapi/", include("chanx.channels.urls"))``.

Serves ``schema/`` (:class:`~chanx.channels.views.AsyncAPISchemaView`, URL name
``asyncapi_schema``) and ``docs/`` (:class:`~chanx.channels.views.AsyncAPIDocsView`,
``asyncapi_docs``); there is no ``app_name``, so the names are global.
"""

from __future__ import annotations

from django.urls import URLPattern, path

from chanx.channels.views import AsyncAPIDocsView, AsyncAPISchemaView

__all__ = ["urlpatterns"]

urlpatterns: list[URLPattern] = [
    path("schema/", AsyncAPISchemaView.as_view(), name="asyncapi_schema"),
    path("docs/", AsyncAPIDocsView.as_view(), name="asyncapi_docs"),
]
