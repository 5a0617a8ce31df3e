"""The cohort pages; they land with the cohort issue (may use the discussion pages)."""
