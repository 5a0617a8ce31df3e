"""A small local LMS for trying Peerloop without one: ``create_sandbox_app``.

A development aid: started only by ``peerloop sandbox run`` (or a test), never by the tool,
and refused in production settings.
"""

from sandbox.app import create_sandbox_app, registration_values
from sandbox.flavour import FLAVOURS, SandboxFlavour

__all__ = ["FLAVOURS", "SandboxFlavour", "create_sandbox_app", "registration_values"]
