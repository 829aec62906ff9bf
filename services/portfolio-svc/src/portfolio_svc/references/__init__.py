"""What portfolio-svc knows of other services' aggregates, from their topics only: programs
(`pmo.program.events`) and projects (`pmo.project.events`), in reference tables of its own."""
