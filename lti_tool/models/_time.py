"""Timezone-aware UTC timestamps stored the same way on SQLite and PostgreSQL.

The type lives in lrs_client (a leaf package that may import nothing of ours); the web layer
and the domain use the same one rather than a copy.
"""

from lrs_client.tables import UtcDateTime as UTCDateTime
from lrs_client.tables import utcnow

__all__ = ["UTCDateTime", "utcnow"]
