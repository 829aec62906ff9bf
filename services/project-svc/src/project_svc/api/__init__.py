"""HTTP interface of project-svc."""
