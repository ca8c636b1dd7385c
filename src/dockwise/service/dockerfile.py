"""The contract as the tail of a Dockerfile: USER, EXPOSE, LABEL, HEALTHCHECK and CMD, and the ENV the server reads.

Every value is serialized for the Dockerfile: HEALTHCHECK and CMD in exec form (JSON arrays: no shell, no
variable expansion), label values in double quotes with `\\`, `"` and `$` escaped (a value is never expanded and
never breaks the line: the contract's labels hold no control characters, a setup argv is JSON text with its own
escapes). The comments are fixed text.
"""

from __future__ import annotations

import json

from dockwise.service.contract import ServiceContract

HEALTH_FLAGS = "--interval=10s --timeout=3s --start-period=20s --retries=3"


def quoted(value: str) -> str:
    """`value` as a double-quoted Dockerfile word (LABEL, ENV): read back as exactly `value`, never expanded."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(f"a control character in a Dockerfile value: {value[:40]!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'


def runtime_env(contract: ServiceContract) -> dict[str, str]:
    """What the contract puts in the image's ENV: the port the server binds."""
    return {"PORT": str(contract.port)}


def tail_lines(contract: ServiceContract, command: list[str], *, python: str) -> list[str]:
    """From USER to CMD (exec form: the server is PID 1 and gets SIGTERM from `docker stop`). `python` is the image's
    interpreter, for the health check (neither image has curl)."""
    label = " ".join(f"{key}={quoted(value)}" for key, value in contract.labels().items())
    return [
        f"USER {contract.user}",
        "",
        "# 6. the one port the server listens on",
        f"EXPOSE {contract.port}",
        "# The service contract dockwise's probes and `dockwise deploy` read: how long the server drains on SIGTERM,",
        "# where it writes (a volume goes there), the setup step a one-shot container runs once per release and volume.",
        f"LABEL {label}",
        "# Python, not curl (neither image has it); urlopen fails on 4xx/5xx and on no answer.",
        f"HEALTHCHECK {HEALTH_FLAGS} \\",
        f"    CMD {json.dumps(contract.health_argv(python))}",
        *_stop_signal(contract),
        "# 7. exec form: the server is PID 1 and gets SIGTERM from `docker stop`",
        f"CMD {json.dumps(list(command))}",
    ]


def _stop_signal(contract: ServiceContract) -> list[str]:
    if contract.stop_signal == "SIGTERM":
        return []
    return [
        "# The server installs no SIGTERM handler (as PID 1 it would ignore it): docker stop sends this instead.",
        f"STOPSIGNAL {contract.stop_signal}",
    ]
