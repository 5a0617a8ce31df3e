"""The discussion pages; they land with the discussion issue."""
