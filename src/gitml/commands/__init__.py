"""The `gitml` subcommands' handlers, one module per loop; `gitml.cli` parses and dispatches."""
