"""The service contract: what a service needs at run time, as one validated value.

Port, health path, user, data path, graceful timeout, run profile and setup step are written here once; the
Dockerfile tail, compose.yaml, the Kubernetes manifests and the engine's run options are emitted from it
(`dockwise.service.dockerfile`, `.compose`, `.kubernetes`, `.run_options`), never re-typed. A contract is checked
when it is made, so no emitter ever serializes a port of 99999, a data path of `/etc:rw` or a health path with a
newline: the value is refused (DockwiseError, exit 2) where it enters.

Bad: `dockwise.data=/etc:rw` on an image (a volume mounted over /etc, writable).
Good: `dockwise.data=/data`.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar, get_args

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.service import labels
from dockwise.service.profile import HARDENED, RunProfile
from dockwise.service.setup_once import SCOPES, SetupScope

T = TypeVar("T")
DEFAULT_GRACEFUL_S = 10  # docker stop's own default grace
GRACE_MARGIN_S = 5
MAX_GRACEFUL_S = 3600
LOOPBACK = "127.0.0.1"
SYSTEM_DIRS: tuple[str, ...] = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc")
SYSTEM_DIRS += ("/sbin", "/sys", "/usr", "/tmp", "/run", "/var/run", "/opt/venv")
_HEALTH_PATH = re.compile(r"/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*(\?[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*)?")
_PORT_KEY = re.compile(r"([0-9]{1,5})(?:/(tcp|udp|sctp))?")
_NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
STOP_SIGNALS = ("SIGTERM", "SIGINT", "SIGQUIT")  # SIGTERM: docker's default; the others: what a server obeys instead
_IMAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,254}")


def _refuse(what: str, fix: str) -> DockwiseError:
    return DockwiseError(what, fix, exit_code=EXIT_USAGE)


def check_port(port: object, what: str = "the service port") -> int:
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise _refuse(f"{what} {str(port)[:20]!r} is not a TCP port", "use a port from 1 to 65535")
    return port


def check_path(path: object, what: str) -> str:
    """An absolute, normalised POSIX path without `..`, `:`, control characters or spaces-only names."""
    text = str(path)
    if (
        not isinstance(path, str)
        or not text.startswith("/")
        or posixpath.normpath(text) != text
        or text.startswith("//")
        or ".." in text.split("/")
        or ":" in text
        or any(ord(c) < 32 or ord(c) == 127 for c in text)
        or len(text) > 255
    ):
        raise _refuse(
            f"{what} {text[:60]!r} is not an absolute, normalised path",
            "use a plain absolute path such as /data (no `..`, `:`, control characters or trailing slash)",
        )
    return text


def check_data_path(path: object) -> str:
    text = check_path(path, "the data path")
    if text == "/" or any(text == d or text.startswith(d + "/") for d in SYSTEM_DIRS):
        raise _refuse(
            f"the data path {text!r} is (or is inside) a system directory", "keep what the app writes under /data"
        )
    return text


def check_health_path(path: object) -> str:
    if not isinstance(path, str) or len(path) > 2048 or not _HEALTH_PATH.fullmatch(path):
        raise _refuse(
            f"the health path {str(path)[:60]!r} is not a URL path",
            "use a path such as /healthz (URL characters only, percent-encode the rest)",
        )
    return path


def check_id(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise _refuse(f"the {what} {str(value)[:20]!r} is not a numeric id", f"use a numeric {what} such as 10001")
    return value


def check_name(name: object) -> str:
    """A service name every target takes: a DNS-1123 label (Kubernetes) is also a compose service name."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise _refuse(
            f"the service name {str(name)[:64]!r} is not a DNS label", "use lower-case letters, digits and '-'"
        )
    return name


def check_image(image: object) -> str:
    if not isinstance(image, str) or not _IMAGE.fullmatch(image):
        raise _refuse(f"the image reference {str(image)[:64]!r} is not one", "use e.g. name:tag or name@sha256:...")
    return image


def check_setup(step: object) -> tuple[str, ...]:
    if not isinstance(step, tuple) or not all(isinstance(word, str) for word in step):
        raise _refuse("the setup step is not a list of words", 'give it as an argv, e.g. ["flask", "init-db"]')
    if any("\0" in word for word in step) or (step and not step[0]):
        raise _refuse("the setup step has an empty program or a NUL character", "give the program as its first word")
    return step


def port_of(key: str) -> tuple[int, str] | None:
    """An image config's `ExposedPorts` key (`8000`, `8000/tcp`, `53/udp`) as (port, protocol); None when it is not
    one (a range, a name, port 0 or above 65535)."""
    found = _PORT_KEY.fullmatch(key.strip())
    if not found or not 1 <= int(found.group(1)) <= 65535:
        return None
    return int(found.group(1)), found.group(2) or "tcp"


def tcp_ports(keys: Iterable[str]) -> list[int]:
    """The TCP ports among `ExposedPorts` keys, lowest first."""
    return sorted({p[0] for p in map(port_of, keys) if p and p[1] == "tcp"})


@dataclass(frozen=True)
class ServiceContract:
    """What a service needs at run time. Checked on construction: an invalid value raises DockwiseError (exit 2)."""

    port: int
    health_path: str = "/"
    uid: int = 10001
    gid: int = 10001
    data_path: str | None = None
    graceful_s: int = DEFAULT_GRACEFUL_S
    profile: RunProfile = field(default=HARDENED)
    setup: tuple[str, ...] = ()
    setup_scope: SetupScope = "release"
    stop_signal: str = "SIGTERM"  # what `docker stop` sends: a server that ignores SIGTERM as PID 1 gets SIGINT

    def __post_init__(self) -> None:
        check_port(self.port)
        check_health_path(self.health_path)
        check_id(self.uid, "uid")
        check_id(self.gid, "gid")
        if self.data_path is not None:
            check_data_path(self.data_path)
        if isinstance(self.graceful_s, bool) or not isinstance(self.graceful_s, int):
            raise _refuse(f"the graceful timeout {self.graceful_s!r} is not whole seconds", "use e.g. 10")
        if not 0 <= self.graceful_s <= MAX_GRACEFUL_S:
            raise _refuse(f"the graceful timeout {self.graceful_s} s is out of range", f"use 0 to {MAX_GRACEFUL_S}")
        check_setup(self.setup)
        if self.stop_signal not in STOP_SIGNALS:
            raise _refuse(f"the stop signal {str(self.stop_signal)[:20]!r} is not one", f"use one of {STOP_SIGNALS}")
        if self.setup_scope not in SCOPES:
            raise _refuse(f"the setup scope {str(self.setup_scope)[:20]!r} is unknown", f"use one of {SCOPES}")

    @property
    def grace_period_s(self) -> int:
        """Longer than the server's graceful timeout, so the orchestrator never kills a draining server."""
        return self.graceful_s + GRACE_MARGIN_S

    @property
    def user(self) -> str:
        return f"{self.uid}:{self.gid}"

    def health_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}{self.health_path}"

    def health_argv(self, python: str) -> list[str]:
        """The health check, run by the image's own Python (neither image has curl): fails on 4xx/5xx or no answer."""
        return [python, "-c", f"import urllib.request; urllib.request.urlopen({self.health_url()!r}, timeout=2)"]

    def labels(self) -> dict[str, str]:
        """The image labels that carry the contract (the port and user travel as EXPOSE and USER)."""
        found = {labels.GRACEFUL_TIMEOUT: str(self.graceful_s)}
        if self.data_path:
            found[labels.DATA] = self.data_path
        if self.setup:
            found[labels.SETUP] = json.dumps(list(self.setup))
            found[labels.SETUP_SCOPE] = self.setup_scope
        return found


def contract_from_image(
    *,
    reference: str,
    exposed_ports: Iterable[str],
    image_labels: Mapping[str, str],
    uid: int | None,
    gid: int | None,
    configured_user: str,
    health_path: str | None,
    port: int | None = None,
    profile: RunProfile = HARDENED,
) -> ServiceContract:
    """The contract of an image from its config (`reference` only names it in errors); `port` and `health_path`
    override the image's. Refuses (exit 2) what the restricted Pod Security Standard or the contract does not allow:
    a root or unresolvable user, no TCP port, a label that is not a value of its kind."""
    if uid is None:
        raise _refuse(
            f"{reference} runs as USER {configured_user[:40]!r}, which its /etc/passwd does not resolve",
            "use a numeric USER (e.g. USER 10001) so runAsUser can match it",
        )
    if uid == 0:
        raise _refuse(
            f"{reference} runs as root; the restricted Pod Security Standard refuses it",
            "add a numeric non-root USER to the image's final stage",
        )
    chosen = port if port is not None else next(iter(tcp_ports(exposed_ports)), None)
    if chosen is None:
        raise _refuse(f"{reference} exposes no TCP port", "EXPOSE the service port, or pass --port")
    setup = setup_from_labels(image_labels)
    return ServiceContract(
        port=check_port(chosen),
        health_path=health_path or "/",
        uid=uid,
        gid=gid if gid is not None else uid,
        data_path=_label(image_labels, labels.DATA, check_data_path),
        graceful_s=_label(image_labels, labels.GRACEFUL_TIMEOUT, _seconds) or DEFAULT_GRACEFUL_S,
        profile=profile,
        setup=setup[0] if setup else (),
        setup_scope=setup[1] if setup else "release",
    )


def setup_from_labels(image_labels: Mapping[str, str]) -> tuple[tuple[str, ...], SetupScope] | None:
    """The image's setup step and its scope, or None when it declares none; a label that is not a value of its kind
    is refused (exit 2): images may have been built by anyone."""
    step = _label(image_labels, labels.SETUP, _argv)
    if not step:
        return None
    return step, _label(image_labels, labels.SETUP_SCOPE, _scope) or "release"


def _label(found: Mapping[str, str], name: str, parse: Callable[[str], T]) -> T | None:
    value = found.get(name)
    if value is None or value == "":
        return None
    try:
        return parse(value)
    except DockwiseError as exc:
        raise _refuse(f"the image's label {name}={value[:60]!r} is invalid: {exc.cause}", exc.fix) from None


def _seconds(value: str) -> int:
    if not value.isascii() or not value.isdigit() or int(value) > MAX_GRACEFUL_S:
        raise _refuse("not whole seconds", f"set it to whole seconds, 0 to {MAX_GRACEFUL_S}")
    return int(value)


def _argv(value: str) -> tuple[str, ...]:
    try:
        words = json.loads(value)
    except ValueError:
        words = None
    if not isinstance(words, list) or not words:
        raise _refuse("not a JSON list of words", 'set it as a JSON argv, e.g. ["flask", "init-db"]')
    return check_setup(tuple(words))


def _scope(value: str) -> SetupScope:
    for scope in get_args(SetupScope):
        if value == scope:
            return scope
    raise _refuse("not a setup scope", f"use one of {SCOPES}")
