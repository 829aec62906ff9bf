"""HTTP: the service app, authentication, problem details, ops routes, request helpers."""
