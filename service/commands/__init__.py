"""The `burt` subcommands, one module each; `burt.service.cli.COMMANDS` lists them."""
