"""Read by gunicorn when started from the project folder (see README, "Run in production")."""

# Access log lines must not keep launch tokens or page ids (lti_tool/access_log.py).
logger_class = "lti_tool.access_log.RedactingGunicornLogger"
