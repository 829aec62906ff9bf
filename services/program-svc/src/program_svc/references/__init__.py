"""What program-svc knows of projects: a reference table fed by `pmo.project.events` (never by
reading project-svc's database)."""
