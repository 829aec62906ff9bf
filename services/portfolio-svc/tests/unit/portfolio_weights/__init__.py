"""Unit tests of the portfolio's objective weights (direct and AHP) and ranking."""
