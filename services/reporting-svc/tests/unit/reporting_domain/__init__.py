"""Tests of reporting-svc's pure domain: earned value, health, roll-ups and the S-curve chart."""
