"""What a service's domain builds on: aggregates, versioned events, refusals, values."""
