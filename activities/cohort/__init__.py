"""Cohort co-learning (small groups, rounds, shared artefacts); may use discussion."""
