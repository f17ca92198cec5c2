"""Chat rooms: models, messages, consumers, authentication and the ways to send events."""
