"""The application layer every write service shares: callers, units of work, command handlers."""
