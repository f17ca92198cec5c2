<<<<<<< HEAD
"""Small helpers chanx 2.x documents under ``chanx.utils`` (tasks, the ``chanx`` logger)."""
=======
"""Small helpers shared by chanx packages and applications (``chanx.utils.groups``)."""

from chanx.utils.groups import MAX_GROUP_NAME_LENGTH, safe_group_name

__all__ = ["MAX_GROUP_NAME_LENGTH", "safe_group_name"]
>>>>>>> 223811b (core: topics over one socket (chanx.core.topic): patterns, subscribe/unsubscribe protocol with ref-stamped replies and documented error reasons, per-topic handlers and registries, max_topics, default_topic/as_consumer, Topic.broadcast; history stores (in-memory, Redis Streams) and in-order recovery; chanx.utils.groups.safe_group_name)
