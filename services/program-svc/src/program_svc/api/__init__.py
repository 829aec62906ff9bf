"""HTTP interface of program-svc."""
