"""Running background tasks: the worker loop used by ``clientela worker`` and ``serve``."""
