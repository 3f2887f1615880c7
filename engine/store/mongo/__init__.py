"""The MongoDB store (PyMongo's async API); how it keeps its invariants: docs/production.md."""

from burt.engine.store.mongo.store import MongoStore, is_unavailable

__all__ = ["MongoStore", "is_unavailable"]
