"""The web layer's tables, one model per module. Importing this package registers them all."""

from lti_tool.models.change_counter import ChangeCounter
from lti_tool.models.deployment import Deployment
from lti_tool.models.grade_sync import GradeSync
from lti_tool.models.launch_state import LaunchState
from lti_tool.models.platform import Platform
from lti_tool.models.service_token import ServiceToken
from lti_tool.models.tool_key import ToolKey

__all__ = [
    "ChangeCounter",
    "Deployment",
    "GradeSync",
    "LaunchState",
    "Platform",
    "ServiceToken",
    "ToolKey",
]
