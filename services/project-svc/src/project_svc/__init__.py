"""project-svc: projects and their Project Offices."""

__version__ = "0.1.0"
