"""The kernel every PMO service stands on: events, store, outbox relay, consumers, plumbing."""
