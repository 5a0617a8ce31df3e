"""Operator commands, one module per group, each exposing ``cli``."""
