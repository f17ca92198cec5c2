"""HTTP URLs (none needed by the WebSocket side)."""

urlpatterns: list = []
