"""Unit tests of the exact budget-constrained selection and its frontier."""
