"""`pmoctl`, the PMO's operator tools (`pmo_shared.cli.app`); its `import` command brings
finished projects from a spreadsheet into project-svc through the same commands as any client."""
