"""Application layer of reporting-svc: running the projections, answering report queries."""
