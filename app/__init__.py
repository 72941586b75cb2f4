"""study's user-facing layer: the answering logic, the CLI and the web UI."""
