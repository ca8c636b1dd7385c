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


def host_run(name: str, work: Path) -> dict:
    routes = load(CORPUS / name)
    host = routes["host"]
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
