"""`python -m pmo_shared.cli`: the same as the `pmoctl` console script."""

from pmo_shared.cli.app import main

main()
