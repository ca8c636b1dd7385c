"""Probes: the HTTP requests a service must answer the same way before and after slimming.

By default: the path the image's HEALTHCHECK requests (expected 200) and `/`. A probe file (TOML, or JSON with the
same keys) adds more; every key but `path` is optional:

    startup_timeout = 60            # seconds to wait for the service's first answer
    mask = ["hostname"]             # JSON fields masked in every probe's body

    [[probe]]
    name = "info"                   # default: "GET /api/info"
    method = "GET"
    path = "/api/info"
    status = 200                    # expected status; default: the original's, which the slim image must match
    headers = { Accept = "application/json" }
    body = "text"                   # a request body; or json = { key = "value" } (sent as application/json)
    mask = ["pid", "items.*.id"]    # JSON fields whose values may differ (dotted; * is any key or index)
    mask_text = ["uptime=[0-9.]+"]  # regular expressions masked in a body that is not JSON

A masked JSON body is compared in its re-serialised form (fields in their order, no spaces); anything else is
compared byte for byte.
"""

from __future__ import annotations

import difflib
import json
import re
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.image.facts import healthcheck_path
from dockwise.measure import http_faults
from dockwise.measure.reach import Reach

DEFAULT_STARTUP_TIMEOUT = 60.0
PROBE_TIMEOUT = 10.0
MASKED = "<masked>"
_PROBE_KEYS = {"name", "method", "path", "status", "headers", "body", "json", "mask", "mask_text"}
_FILE_KEYS = {"startup_timeout", "mask", "probe"}


@dataclass(frozen=True)
class Probe:
    name: str
    method: str
    path: str
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    mask: tuple[str, ...] = ()
    mask_text: tuple[str, ...] = ()

    def key(self) -> tuple[str, str, bytes]:
        return self.method, self.path, self.body


@dataclass(frozen=True)
class ProbePlan:
    probes: tuple[Probe, ...]
    startup_timeout: float = DEFAULT_STARTUP_TIMEOUT
    health_command: tuple[str, ...] | None = None
    """The HEALTHCHECK command (exec form; CMD-SHELL runs through /bin/sh -c), run inside the container."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str
    seconds: float


@dataclass(frozen=True)
class Difference:
    probe: str
    what: str  # "status" or "body"
    offset: int | None
    original: str
    slim: str

    def one_line(self) -> str:
        if self.what == "status":
            return f"probe {self.probe!r}: status {self.slim} from the slim image, {self.original} from the original"
        return f"probe {self.probe!r}: body differs at byte {self.offset} (original {self.original}, slim {self.slim})"


def _bad(cause: str) -> DockwiseError:
    return DockwiseError(cause, "fix the probe file (see `dockwise slim --help`)", exit_code=EXIT_USAGE)


def health_command(healthcheck: dict | None) -> tuple[str, ...] | None:
    test = (healthcheck or {}).get("Test") or []
    if not test or test[0] == "NONE":
        return None
    if test[0] == "CMD":
        return tuple(test[1:]) or None
    if test[0] == "CMD-SHELL":
        return ("/bin/sh", "-c", " ".join(test[1:]))
    return None


def load_plan(probe_file: Path | None, healthcheck: dict | None) -> ProbePlan:
    """The default probes, then the probe file's (a probe the file repeats is not run twice)."""
    defaults = []
    path = healthcheck_path(healthcheck)
    if path:
        defaults.append(Probe(f"health GET {path}", "GET", path, status=200))
    defaults.append(Probe("GET /", "GET", "/"))
    data = read_probe_file(probe_file) if probe_file else {}
    common_mask = _strings(data.get("mask", []), "mask")
    probes: dict[tuple[str, str, bytes], Probe] = {}
    for number, raw in enumerate(data.get("probe", []), 1):
        probe = parse_probe(raw, number, common_mask)
        probes.setdefault(probe.key(), probe)
    ordered = [p for p in defaults if p.key() not in probes]
    ordered = [Probe(p.name, p.method, p.path, p.status, mask=common_mask) for p in ordered] + list(probes.values())
    timeout = data.get("startup_timeout", DEFAULT_STARTUP_TIMEOUT)
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not 0 < timeout <= 600:
        raise _bad(f"startup_timeout must be a number of seconds between 0 and 600, not {timeout!r}")
    return ProbePlan(tuple(ordered), float(timeout), health_command(healthcheck))


def read_probe_file(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad(f"cannot read probe file {path} ({exc})") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise _bad(f"probe file {path} is not valid {'JSON' if path.suffix == '.json' else 'TOML'}: {exc}") from None
    if not isinstance(data, dict):
        raise _bad(f"probe file {path} must hold a table of settings and [[probe]] entries")
    unknown = sorted(set(data) - _FILE_KEYS)
    if unknown:
        raise _bad(f"probe file {path}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_FILE_KEYS))})")
    if not isinstance(data.get("probe", []), list):
        raise _bad(f"probe file {path}: `probe` must be a list of tables ([[probe]])")
    return data


def _strings(value: object, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise _bad(f"{what} must be a list of non-empty strings")
    return tuple(value)


def parse_probe(raw: object, number: int, common_mask: tuple[str, ...] = ()) -> Probe:
    where = f"probe {number}"
    if not isinstance(raw, dict):
        raise _bad(f"{where} must be a table")
    unknown = sorted(set(raw) - _PROBE_KEYS)
    if unknown:
        raise _bad(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_PROBE_KEYS))})")
    path = raw.get("path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise _bad(f"{where}: `path` must be a string starting with /")
    method = raw.get("method", "GET")
    if not isinstance(method, str) or not re.fullmatch(r"[A-Z]+", method):
        raise _bad(f"{where}: `method` must be an upper-case HTTP method such as GET or POST")
    status = raw.get("status")
    if status is not None and (not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599):
        raise _bad(f"{where}: `status` must be an HTTP status code (100-599)")
    headers = raw.get("headers", {})
    if not isinstance(headers, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
        raise _bad(f"{where}: `headers` must be a table of strings")
    if "body" in raw and "json" in raw:
        raise _bad(f"{where}: give `body` or `json`, not both")
    body = b""
    if "body" in raw:
        if not isinstance(raw["body"], str):
            raise _bad(f"{where}: `body` must be a string")
        body = raw["body"].encode()
    elif "json" in raw:
        body = json.dumps(raw["json"], separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", **headers}
    mask_text = _strings(raw.get("mask_text", []), f"{where}: mask_text")
    for pattern in mask_text:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise _bad(f"{where}: mask_text {pattern!r} is not a regular expression ({exc})") from None
    return Probe(
        name=str(raw.get("name") or f"{method} {path}"),
        method=method,
        path=path,
        status=status,
        headers=tuple(sorted(headers.items())),
        body=body,
        mask=tuple(dict.fromkeys((*common_mask, *_strings(raw.get("mask", []), f"{where}: mask")))),
        mask_text=mask_text,
    )


# -- asking ----------------------------------------------------------------------------------------------------

PROBE_HOST = "localhost"
"""The Host header every probe sends (unless it names its own): the same for every run, whatever loopback port the
run was published on, so pages that build absolute URLs from it answer alike."""


def ask_each(reach: Reach, probes: tuple[Probe, ...], timeout: float = PROBE_TIMEOUT) -> list[Answer | ConnectionError]:
    """Send the probes in turn to the service's port, from where `reach` runs (this host, or a helper container in
    the service's network namespace), all in one call there: their answers, up to and including the first
    ConnectionError (nothing answered; later probes are not sent)."""
    requests = []
    for probe in probes:
        headers = dict(probe.headers)
        if not any(name.lower() == "host" for name in headers):
            headers["Host"] = PROBE_HOST
        requests.append(
            {"method": probe.method, "path": probe.path, "headers": headers, "body": probe.body, "timeout": timeout}
        )
    return [
        ConnectionError(got["error"])
        if "error" in got
        else Answer(got["status"], got["body"], got["content_type"], got["seconds"])
        for got in reach.call(http_faults.exchanges, requests=requests)
    ]


def ask(reach: Reach, probe: Probe, timeout: float = PROBE_TIMEOUT) -> Answer:
    """One probe's answer; ConnectionError when nothing answers."""
    answer = ask_each(reach, (probe,), timeout)[0]
    if isinstance(answer, ConnectionError):
        raise answer
    return answer


def wait_until_answering(reach: Reach, probe: Probe, timeout: float, alive: Callable[[], bool]) -> float:
    """Ask `probe` until the service answers anything; seconds it took. TimeoutError if it never does, and
    ChildProcessError as soon as `alive()` says the container has stopped."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            ask(reach, probe, timeout=2.0)
            return time.monotonic() - started
        except ConnectionError:
            pass
        if not alive():
            raise ChildProcessError("the container stopped")
        time.sleep(0.05)
    raise TimeoutError(f"no answer within {timeout:.0f} s")


# -- comparing -------------------------------------------------------------------------------------------------


def masked_body(probe: Probe, answer: Answer) -> bytes:
    """The body as compared: JSON with the probe's fields masked, or the text with its patterns masked."""
    body = answer.body
    if probe.mask:
        try:
            document = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            document = None
        if document is not None or body.strip() == b"null":
            for field_path in probe.mask:
                document = _mask(document, field_path.split("."))
            body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    if probe.mask_text:
        text = body.decode("latin-1")
        for pattern in probe.mask_text:
            text = re.sub(pattern, MASKED, text)
        body = text.encode("latin-1")
    return body


def _mask(document: object, parts: list[str]) -> object:
    if not parts:
        return MASKED
    head, rest = parts[0], parts[1:]
    if isinstance(document, dict):
        return {key: (_mask(value, rest) if head in ("*", key) else value) for key, value in document.items()}
    if isinstance(document, list):
        return [
            (_mask(value, rest) if head == "*" or head == str(index) else value) for index, value in enumerate(document)
        ]
    return document


_TOKEN = re.compile(rb"\w+|\W", re.ASCII)


def volatile_tokens(probe: Probe, first: Answer, second: Answer) -> frozenset[int]:
    """Which words of the first answer's (masked) body changed when the original image was asked the same probe
    again: CSRF tokens, nonces, timestamps. The slim image may differ from the original there, and only there."""
    if first.status != second.status:
        return frozenset()
    a, b = _TOKEN.findall(masked_body(probe, first)), _TOKEN.findall(masked_body(probe, second))
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return frozenset(i for tag, i1, i2, _j1, _j2 in matcher.get_opcodes() if tag != "equal" for i in range(i1, i2))


def first_difference(
    probe: Probe, original: Answer, slim: Answer, volatile: frozenset[int] = frozenset()
) -> Difference | None:
    """The first difference between the slim image's answer and the original's, after masking, outside the words
    that change from one original answer to the next (`volatile`); None when they agree."""
    if original.status != slim.status:
        return Difference(probe.name, "status", None, str(original.status), str(slim.status))
    left, right = masked_body(probe, original), masked_body(probe, slim)
    if left == right or (volatile and _agree_outside(left, right, volatile)):
        return None
    offset = next((i for i, (a, b) in enumerate(zip(left, right)) if a != b), min(len(left), len(right)))
    return Difference(probe.name, "body", offset, _excerpt(left, offset), _excerpt(right, offset))


def _agree_outside(left: bytes, right: bytes, volatile: frozenset[int]) -> bool:
    a, b = _TOKEN.findall(left), _TOKEN.findall(right)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, _j1, _j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        changed = range(i1, i2) if i2 > i1 else range(max(i1 - 1, 0), i1 + 1)  # an insertion sits between words
        if not all(i in volatile for i in changed):
            return False
    return True


def _excerpt(data: bytes, offset: int, width: int = 24) -> str:
    piece = data[offset : offset + width]
    return repr(piece) if piece else "<end of body>"


@dataclass(frozen=True)
class ProbeResult:
    """One probe's answers from the original and the slim image, side by side."""

    probe: Probe
    original: Answer
    slim: Answer | None = None
    difference: Difference | None = None

    def as_dict(self) -> dict:
        def answer(a: Answer | None) -> dict | None:
            if a is None:
                return None
            return {
                "status": a.status,
                "bytes": len(a.body),
                "content_type": a.content_type,
                "ms": round(a.seconds * 1000, 1),
            }

        return {
            "name": self.probe.name,
            "method": self.probe.method,
            "path": self.probe.path,
            "expected_status": self.probe.status,
            "masked": list(self.probe.mask) + list(self.probe.mask_text),
            "original": answer(self.original),
            "slim": answer(self.slim),
            "identical": self.slim is not None and self.difference is None,
            "difference": self.difference.one_line() if self.difference else None,
        }


@dataclass(frozen=True)
class HealthResult:
    original_exit: int
    slim_exit: int | None = None


@dataclass
class Answers:
    by_probe: dict[str, Answer] = field(default_factory=dict)
    health_exit: int | None = None
