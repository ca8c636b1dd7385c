"""The real routes of each corpus app (tests/fixtures/corpus/<app>/routes.toml), asked over loopback HTTP.

A routes.toml holds how the app was run on the host as its README says (`[host]`), and `[[steps]]` asked in order
with one cookie jar: method, path, form / json / data body, headers, the status expected (redirects are not
followed) and a substring expected in the answer. A step's `capture` keeps a value for later steps
(`{name}` in a path, header or body): `cookie:NAME`, `json:KEY` or `regex:PATTERN` (group 1); `count = N` asks
the substring at least N times. A step's `role` says what it shows: `write` (creates something), `read` (shows the
write) or `check`. `[[after_restart]]` steps are asked after the server was stopped and started again on the same
data and show that the write outlived the restart; in-memory apps have none.

    python benchmarks/corpus_routes.py http://127.0.0.1:8000 tests/fixtures/corpus/flaskr-tdd [--after-restart]
"""

from __future__ import annotations

import base64
import http.cookiejar
import json
import re
import sys
import tomllib
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "corpus"


@dataclass(frozen=True)
class StepResult:
    name: str
    role: str
    ok: bool
    status: int | None
    cause: str  # one line when not ok, else ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


def load(app: Path) -> dict[str, Any]:
    return tomllib.loads((app / "routes.toml").read_text())


def _fill(value: Any, captured: dict[str, str]) -> Any:
    if isinstance(value, str):
        return re.sub(r"\{(\w+)\}", lambda m: captured.get(m.group(1), m.group(0)), value)
    if isinstance(value, dict):
        return {k: _fill(v, captured) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, captured) for v in value]
    return value


def _request(step: dict[str, Any], base: str, captured: dict[str, str]) -> urllib.request.Request:
    headers = {k: str(v) for k, v in _fill(step.get("headers", {}), captured).items()}
    if "basic_auth" in step:
        user, password = _fill(step["basic_auth"], captured)
        headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    body = None
    if "form" in step:
        body = urllib.parse.urlencode(_fill(step["form"], captured)).encode()
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    elif "json" in step:
        body = json.dumps(_fill(step["json"], captured)).encode()
        headers.setdefault("Content-Type", "application/json")
    elif "data" in step:
        body = _fill(step["data"], captured).encode()
    elif "multipart" in step:
        boundary = uuid.uuid4().hex
        parts = []
        for field, (filename, content) in _fill(step["multipart"], captured).items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
                f"Content-Type: text/plain\r\n\r\n{content}\r\n"
            )
        body = ("".join(parts) + f"--{boundary}--\r\n").encode()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    url = base.rstrip("/") + _fill(step["path"], captured)
    return urllib.request.Request(url, data=body, headers=headers, method=step.get("method", "GET"))


def _capture(spec: dict[str, str], text: str, jar: http.cookiejar.CookieJar, captured: dict[str, str]) -> None:
    for name, source in spec.items():
        kind, _, what = source.partition(":")
        if kind == "cookie":
            value = next((c.value for c in jar if c.name == what), None)
        elif kind == "json":
            try:
                value = json.loads(text)
                for key in what.split("."):
                    value = value[int(key)] if isinstance(value, list) else value[key]
                value = str(value)
            except (ValueError, KeyError, IndexError, TypeError):
                value = None
        else:
            found = re.search(what, text)
            value = found.group(1) if found else None
        if value is not None:
            captured[name] = value


def run_steps(base: str, steps: list[dict[str, Any]], timeout: float = 15) -> list[StepResult]:
    """Ask the steps in order with one cookie jar; never raises for an HTTP outcome."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
    captured: dict[str, str] = {}
    results = []
    for step in steps:
        role = step.get("role", "check")
        name = step.get("name", f"{step.get('method', 'GET')} {step['path']}")
        status, text = None, ""
        try:
            with opener.open(_request(step, base, captured), timeout=timeout) as answer:
                status, text = answer.status, answer.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode("utf-8", "replace")
        except (OSError, ValueError) as error:
            results.append(StepResult(name, role, False, None, f"{name}: no answer ({error})"))
            break
        _capture(step.get("capture", {}), text, jar, captured)
        expected_status = step.get("status", 200)
        expected_text = _fill(step.get("expect", ""), captured)
        if status != expected_status:
            cause = f"{name}: status {status}, expected {expected_status}"
        elif text.count(expected_text) < step.get("count", 1) or expected_text not in text:
            cause = f"{name}: answer lacks {expected_text!r}" + (f" x{step['count']}" if "count" in step else "")
        else:
            cause = ""
        results.append(StepResult(name, role, not cause, status, cause))
    return results


def main() -> int:
    base, app = sys.argv[1], Path(sys.argv[2])
    routes = load(app)
    results = run_steps(base, routes["after_restart" if "--after-restart" in sys.argv else "steps"])
    for r in results:
        print(f"{'ok ' if r.ok else 'BAD'} {r.role:6} {r.status} {r.name} {r.cause}")
    return 0 if results and all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
