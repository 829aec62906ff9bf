"""portfolio-svc: portfolios: strategic objectives, scoring, selection, and the PMO standards."""

__version__ = "0.1.0"
