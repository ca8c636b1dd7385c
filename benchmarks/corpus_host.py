"""Run each corpus app on the host as its README says, to learn (and re-check) its real routes.

For each app: a copy in a temporary directory, a fresh venv of the host's Python, routes.toml's `[host]` commands
(`install`, `setup`, then `run` with $PORT set to a free loopback port; every command binds 127.0.0.1), the
`[[steps]]` asked, the server stopped by its PID (its process group), started again, the `[[after_restart]]`
steps asked. PyPI is used through pip as usual. Prints one line per app; `--json FILE` writes the rows.

    python benchmarks/corpus_host.py [--apps flaskr-tdd,quart-blog] [--json /tmp/host.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from corpus_routes import CORPUS, load, run_steps

INSTALL_TIMEOUT_S = 600
START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.3)
    return False


def stop(process: subprocess.Popen) -> int | None:
    """SIGTERM to the process group we started, SIGKILL after 10 s; the exit code."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        return process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return None
    except ProcessLookupError:
        return process.poll()


def shell(command: str, cwd: Path, env: dict[str, str], log, timeout: float) -> int:
    log.write(f"$ {command}\n")
    log.flush()
    done = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, stdout=log, stderr=log, timeout=timeout)
    return done.returncode


def start(command: str, cwd: Path, env: dict[str, str], log) -> subprocess.Popen:
    log.write(f"$ {command} &\n")
    log.flush()
    return subprocess.Popen(
        ["bash", "-c", "exec " + command], cwd=cwd, env=env, stdout=log, stderr=log, start_new_session=True
    )


CONTAINER_LABELS = {"dockwise.test": "corpus-host"}


def container_script(host: dict) -> str:
    """The host commands as one shell script for a python:X-slim container: install and setup once (a marker
    file in the bind-mounted app keeps a restart from installing again), then the server (`container_run`: the
    same command bound to 0.0.0.0 inside the container, published on 127.0.0.1 outside)."""
    once = ["python -m venv /app/.venv-corpus", *host.get("install", []), *host.get("setup", [])]
    return (
        "export PATH=/app/.venv-corpus/bin:$PATH VIRTUAL_ENV=/app/.venv-corpus; "
        "if [ ! -e /app/.corpus-installed ]; then " + " && ".join(once) + " && touch /app/.corpus-installed; fi; "
        "exec " + host.get("container_run", host["run"])
    )


def container_run(name: str, work: Path, routes: dict) -> dict:
    """For an app whose README needs a newer Python than the host's: the same commands in dockwise's
    python:X-slim base (PyPI through the host CA bundle mounted read-only), published on 127.0.0.1."""
    host = routes["host"]
    app = work / name
    shutil.copytree(CORPUS / name, app)
    inside = int(host.get("port", 8000))
    image = f"dockwise/python:{host['python']}-slim"
    run = [
        "docker", "run", "-d", "--label", "dockwise.test=corpus-host", "-v", f"{app}:/app", "-w", "/app",
        "-v", "/etc/ssl/certs/ca-certificates.crt:/run/ca.crt:ro", "-e", "PIP_CERT=/run/ca.crt",
        "-e", "SSL_CERT_FILE=/run/ca.crt", "-e", f"PORT={inside}", "-p", f"127.0.0.1::{inside}",
        image, "sh", "-c", container_script(host),
    ]  # fmt: skip
    cid = subprocess.run(run, capture_output=True, text=True, check=True).stdout.strip()
    row: dict = {"app": name, "python": host["python"], "in_container": True}
    try:
        for phase, steps in (("steps", routes["steps"]), ("after_restart", routes.get("after_restart"))):
            if steps is None:
                break
            if phase == "after_restart":
                subprocess.run(["docker", "start", cid], capture_output=True, check=True)
            port = _published(cid, inside, INSTALL_TIMEOUT_S)
            if port is None:
                logs = subprocess.run(["docker", "logs", "--tail", "15", cid], capture_output=True, text=True)
                row.update(stage="start", ok=False, cause="no answer", log=(logs.stdout + logs.stderr)[-1500:])
                return row
            results = run_steps(f"http://127.0.0.1:{port}", steps)
            row[phase] = [r.cause or f"ok {r.name}" for r in results]
            started = time.monotonic()
            subprocess.run(["docker", "stop", "-t", "10", cid], capture_output=True, check=True)
            row[f"{phase}_stop_s"] = round(time.monotonic() - started, 1)
            if not all(r.ok for r in results):
                row.update(stage="routes", ok=False)
                return row
        row.update(stage="routes", ok=True)
        return row
    finally:
        subprocess.run(["docker", "rm", "-f", cid], capture_output=True)


def _published(cid: str, inside: int, seconds: float) -> int | None:
    """The host port once the container answers TCP on it, None if it exits or never does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = subprocess.run(["docker", "inspect", "-f", "{{.State.Running}}", cid], capture_output=True, text=True)
        if state.stdout.strip() != "true":
            return None
        mapped = subprocess.run(["docker", "port", cid, str(inside)], capture_output=True, text=True).stdout
        if mapped:
            port = int(mapped.splitlines()[0].rsplit(":", 1)[1])
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
                    if s.recv(1):
                        return port
            except OSError:
                pass
        time.sleep(1)
    return None


def host_run(name: str, work: Path) -> dict:
    routes = load(CORPUS / name)
    host = routes["host"]
    if host.get("python"):  # the README needs a newer Python than the host's
        return container_run(name, work, routes)
    app = work / name
    shutil.copytree(CORPUS / name, app)
    venv = work / f"venv-{name}"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    port = int(host.get("port", 0)) or free_port()  # an app that binds a fixed port gets it
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "VIRTUAL_ENV": str(venv), "PORT": str(port)}
    env.update(host.get("env", {}))
    row: dict = {"app": name, "port": port}
    log_path = work / f"{name}.log"
    with log_path.open("w") as log:
        for stage in ("install", "setup"):
            for command in host.get(stage, []):
                code = shell(command, app, env, log, INSTALL_TIMEOUT_S)
                if code != 0:
                    row.update(stage=stage, ok=False, cause=f"`{command}` exited {code}")
                    return row | {"log": log_path.read_text()[-1500:]}
        process = start(host["run"], app, env, log)
        try:
            if not wait_for_port(port, process, START_TIMEOUT_S):
                row.update(stage="start", ok=False, cause=f"no listener on {port} (exit {process.poll()})")
                return row | {"log": log_path.read_text()[-1500:]}
            base = f"http://127.0.0.1:{port}"
            first = run_steps(base, routes["steps"])
            row["steps"] = [r.cause or f"ok {r.name}" for r in first]
            row["stop_exit"] = stop(process)
            if routes.get("after_restart"):
                process = start(host["run"], app, env, log)
                if not wait_for_port(port, process, START_TIMEOUT_S):
                    row.update(stage="restart", ok=False, cause="no listener after restart")
                    return row
                again = run_steps(base, routes["after_restart"])
                row["after_restart"] = [r.cause or f"ok {r.name}" for r in again]
                stop(process)
                first += again
            row.update(stage="routes", ok=all(r.ok for r in first))
        finally:
            if process.poll() is None:
                stop(process)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", default="")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, venvs)")
    args = parser.parse_args()
    names = args.apps.split(",") if args.apps else sorted(p.parent.name for p in CORPUS.glob("*/routes.toml"))
    work = Path(tempfile.mkdtemp(prefix="dockwise-corpus-host-"))
    rows = []
    try:
        for name in names:
            row = host_run(name, work)
            rows.append(row)
            print(json.dumps(row), flush=True)
    finally:
        if args.keep:
            print(f"work directory: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
