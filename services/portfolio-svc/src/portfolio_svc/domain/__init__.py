"""The portfolio domain: objective weights (set directly or by AHP), ranking of components by
weighted scores, and selection; pure functions and values, no I/O."""
