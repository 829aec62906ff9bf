"""The project domain: pure aggregates and their events. No I/O, no frameworks."""
