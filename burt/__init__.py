"""burt: an adaptive-experiment engine for email campaigns.

`import burt` gives the engine's public API, the same operations the REST service exposes:

    import burt
    b = burt.Burt(burt.SQLiteStore("campaigns.sqlite3"), tenant="notebook")

The repository keeps `engine/` and `service/` at its root; the distribution maps them to
`burt.engine` and `burt.service` (setuptools `package-dir`), so nothing generic lands in
site-packages.
"""

from importlib.metadata import PackageNotFoundError, version

from burt.engine import (
    Burt,
    ContactIn,
    EventIn,
    Page,
    PolicySettings,
    SQLiteStore,
    Variant,
    store_from_config,
)

try:
    __version__ = version("burt")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "Burt",
    "ContactIn",
    "EventIn",
    "Page",
    "PolicySettings",
    "SQLiteStore",
    "Variant",
    "__version__",
    "store_from_config",
]
