"""program-svc: programs: member projects, shared funding and resources, benefits."""

__version__ = "0.1.0"
