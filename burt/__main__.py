"""`python -m burt` is the `burt` command."""

from burt.service.cli import main

raise SystemExit(main())
