"""The domain: activities placed in courses and the rules of each (no Flask, no LTI library).

Each feature is a package (``reflection``, ``discussion``, ``cohort``) with its models,
operations (rules; they flush, never commit) and queries. ``recording`` turns an interaction
into its xAPI statement in the caller's transaction.
"""
