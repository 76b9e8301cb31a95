"""One module per CLI sub-command.

Each module defines `NAME`, `HELP`, `add_arguments(parser)` and
`run(args, settings) -> int`. `markwatch.cli` lists them in COMMAND_MODULES.
"""
