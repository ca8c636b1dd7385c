"""A service image does not `EXPOSE` its port, or an `EXPOSE` is not a valid port and protocol.

`EXPOSE` documents the port the service listens on (`docker run -P`, compose and orchestrators read it). A port is
0-65535, optionally a range, optionally `/tcp`, `/udp` or `/sctp` in lower case; an IP or a host mapping does not
belong in a Dockerfile. Scope: every stage for the format; the missing `EXPOSE` only for a final image meant to
run, and not when the command binds `$PORT` (Cloud Run, Heroku: the platform picks the port at run time) or the
server is the base image's own product (`FROM nginx` serving nginx inherits its `EXPOSE`).

Anti-pattern::

    FROM python:3.13-slim
    EXPOSE 80000/TCP
    CMD ["gunicorn", "app:app"]

Best practice::

    FROM python:3.13-slim
    EXPOSE 8000
    CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
"""

import posixpath
import re
from collections.abc import Iterator

from dockwise.core.findings import Severity
from dockwise.core.rules import Hit, Scope
from dockwise.dockerfile.queries import ImageRef, command_words, final_image, runs_server, runtime_target
from dockwise.dockerfile.rules import Subject, stages

ID = "DW006"
NAME = "expose"
SEVERITY = Severity.WARNING
SCOPE = Scope.EVERY_STAGE
FIX = "EXPOSE the port the service listens on, as PORT or PORT/tcp|udp|sctp with 0 <= PORT <= 65535."
REFS = {"hadolint": "DL3011", "buildkit": "ExposeInvalidFormat,ExposeProtoCasing"}

PORT = re.compile(r"^([0-9]+)(?:-([0-9]+))?(?:/([A-Za-z]+))?\Z")  # ASCII digits only: BuildKit rejects "١٢"
PORT_VARIABLE = re.compile(r"\$\{?PORT\b")
# Official images of servers, which EXPOSE their port themselves (language images such as python or node do not).
PRODUCT_SERVERS = frozenset(
    {
        "nginx",
        "httpd",
        "caddy",
        "haproxy",
        "openresty",
        "traefik",
        "tomcat",
        "jetty",
        "redis",
        "memcached",
        "mongo",
        "postgres",
        "mysql",
        "mariadb",
        "rabbitmq",
        "elasticsearch",
    }
)


def check(subject: Subject) -> Iterator[Hit]:
    build = subject.build
    for stage in stages(subject, SCOPE):
        for step in stage.steps:
            if step.instruction.keyword != "EXPOSE":
                continue
            for word in step.instruction.args:
                value = build.expand(word, step.variables)
                if "$" not in value:
                    problem = _problem(value)
                    if problem:
                        yield Hit(step.instruction.line, f"EXPOSE {value}: {problem}")
    final = final_image(build)
    starter = final.entrypoint or final.cmd
    if (
        runtime_target(build) is None
        or final.expose
        or starter is None
        or not runs_server(starter.instruction, subject.context)
    ):
        return
    words = [w for c in command_words(starter.instruction) for w in c.words]
    if any(PORT_VARIABLE.search(w) for w in words) or _serves_base_product(build, words):
        return
    yield Hit(starter.instruction.line, "the image starts a server but EXPOSEs no port")


def _serves_base_product(build, words: list[str]) -> bool:
    """The server it starts is what the base image is (nginx on `FROM nginx`): the base's EXPOSE is inherited."""
    assert build.target is not None
    name = ImageRef.parse(build.external_base(build.target)).name
    return name in PRODUCT_SERVERS and any(posixpath.basename(w).startswith(name) for w in words[:1])


def _problem(value: str) -> str | None:
    match = PORT.fullmatch(value)
    if not match:
        return "not a port, a port range or port/protocol (no IP or host mapping in a Dockerfile)"
    low, high, proto = match.group(1), match.group(2), match.group(3)
    if int(low) > 65535 or (high is not None and (int(high) > 65535 or int(high) < int(low))):
        return "ports are 0-65535"
    if proto is not None and proto.lower() not in ("tcp", "udp", "sctp"):
        return f"unknown protocol {proto!r}"
    if proto is not None and proto != proto.lower():
        return "the protocol must be lower case"
    return None
