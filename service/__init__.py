"""burt's REST service: the connexion app, its middleware and the `burt` command.

connexion imports `starlette.testclient` at start-up (connexion/apps/abstract.py), which warns
that it prefers `httpx2` over `httpx`. The service never uses the test client, so that one
warning is silenced here, for that one import, before any connexion module loads.
"""

import warnings

from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore",
        message="Using `httpx` with `starlette.testclient`",
        category=StarletteDeprecationWarning,
    )
    import starlette.testclient  # noqa: F401
