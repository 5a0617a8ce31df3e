"""Reflection prompts: a learner answers after content and sees peers by the reveal rule.

Its models, operations and queries land here with the reflection issue."""
