"""`python -m burt` is the `burt` command."""

from burt.service.cli.main import main

raise SystemExit(main())
