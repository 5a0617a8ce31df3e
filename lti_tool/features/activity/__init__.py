"""The page a launch of a placed activity lands on, and its staff actions: the frame every
activity shares (heading and prompt, the course roster, grades sent to the LMS)."""
