"""Stage 4: the path the health check asks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.pyapp.evidence import Evidence
from dockwise.pyapp.grammar import (
    is_url_path,
)
from dockwise.pyapp.health import choose_health
from dockwise.pyapp.stages.log import Decision, Log
from dockwise.pyapp.stages.serve import Serving
from dockwise.pyapp.stages.source import Source

if TYPE_CHECKING:
    from dockwise.pyapp.detect import InitOptions


def plan_health(source: Source, serving: Serving, options: InitOptions, log: Log) -> str:
    """The path the health check asks: --health-path, else the app's health route, front page or a page it is known
    to answer (pyapp/health.py); a guess is a to-do."""
    health_source: Evidence | None = None
    if options.health_path:
        health_path, health_evidence = options.health_path, "--health-path"
    else:
        health = choose_health(source.modules, serving.candidate, serving.django is not None)
        health_path, health_evidence, health_source = health.path, health.why, health.source
        if not health.certain:
            log.todo.append(
                "the health check asks GET / but the app routes no / and no health route dockwise can see: pass "
                "--health-path with a GET route that answers 200 (e.g. --health-path /items), or the container "
                "shows unhealthy and a readiness probe never passes"
            )
    if not is_url_path(health_path):
        raise DockwiseError(
            f"--health-path {health_path!r}: not a URL path (it starts with / and has no space, quote, backslash or $)",
            "e.g. --health-path /healthz",
            exit_code=EXIT_USAGE,
        )
    log.decisions.append(Decision("health check", f"GET {health_path}", health_evidence, health_source))
    return health_path
