"""Pure reporting domain: earned-value figures, health and charts, free of I/O."""
