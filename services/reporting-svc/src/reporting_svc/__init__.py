"""reporting-svc: read models built from every event topic, and the reports over them."""

__version__ = "0.1.0"
