"""The `burt` command: one module per subcommand."""
