"""Application layer: load an aggregate, run a command, append its events in one transaction."""
