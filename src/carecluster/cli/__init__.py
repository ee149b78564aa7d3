"""The command line (Typer): `carecluster` and its subcommands, in `cli.main`."""
