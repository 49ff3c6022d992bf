"""Sub-commands of the `postkamer` CLI, one module each (see `postkamer.cli`)."""
