"""HTTP interface of portfolio-svc."""
