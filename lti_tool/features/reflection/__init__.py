"""The reflection pages (learner and staff); they land with the reflection issue."""
