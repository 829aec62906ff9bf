"""HTTP interface of reporting-svc."""
