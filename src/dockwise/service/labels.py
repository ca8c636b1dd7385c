"""The label namespace: every image, container and volume label dockwise reads or writes is named here, once."""

from __future__ import annotations

NAMESPACE = "dockwise."

DATA = "dockwise.data"
"""Where the image's app writes (`dockwise init` sets it): a volume goes there."""
GRACEFUL_TIMEOUT = "dockwise.graceful-timeout"
"""Seconds the server's graceful shutdown may take, as the image declares it."""
SETUP = "dockwise.setup"
"""The app's setup step (a JSON argv, exec form), run once per release and data volume, never at every start."""
SETUP_SCOPE = "dockwise.setup-scope"
"""`release` (once per release and data volume) or `volume` (a step that destroys data: once per data volume, ever)."""
EPHEMERAL = "dockwise.ephemeral"
"""A volume dockwise made for one container, removed with it."""
TEST = "dockwise.test"
DEMO = "dockwise.demo"
PROBE = "dockwise.probe"
VARIANT = "dockwise.variant"
