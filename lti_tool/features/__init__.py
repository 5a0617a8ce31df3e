"""The web side of each activity: one package per feature (blueprint, controllers,
forms, templates), plus the page every activity shares (``activity``)."""
