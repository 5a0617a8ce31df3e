"""The xAPI versions Peerloop speaks to an LRS: the one home of that list.

Here because lrs_client is the leaf that needs them (the version header, each destination's
setting, the ``version`` property it sets per destination on the way out); xapi may not import
lrs_client (setup.cfg's independence contract) and needs no list: a statement's ``version`` is
whatever the caller passes, and the transport re-sets it for each destination anyway.
"""

from __future__ import annotations

from typing import Literal, get_args

XapiVersion = Literal["1.0.3", "2.0.0"]
VERSIONS: tuple[XapiVersion, ...] = get_args(XapiVersion)
# Learning Locker's statements service (and many LRSs) speak 1.0.3 only; 2.0.0 is per LRS.
DEFAULT_VERSION: XapiVersion = "1.0.3"
