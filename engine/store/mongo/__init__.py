"""The MongoDB store, one module per job; how it keeps its invariants: docs/production.md."""

from burt.engine.store.mongo.errors import is_unavailable
from burt.engine.store.mongo.store import MongoStore

__all__ = ["MongoStore", "is_unavailable"]
