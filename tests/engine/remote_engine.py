"""A second Docker Engine for tests, as remote as this machine allows: a dockerd whose processes the host's /proc
does not show under the PIDs the engine reports (its own PID namespace), with its own mounts, data root, exec root
and bridge, reached only over tcp://127.0.0.1:PORT.

Privileged containers fail here, so docker-in-docker is no option; the engine runs under
`unshare --pid --mount --fork --mount-proc`. It never touches the host engine's networking: `--iptables=false`
(a second dockerd managing iptables would rewrite the host engine's DOCKER chains), and a bridge of its own (an
engine started with `--bridge none` removed the host engine's docker0 when it shut down). Its containers reach the
network (apt, PyPI) through three iptables rules of ours, tagged with the test run's label and removed at the end.
Teardown stops the dockerd started here by its PID, deletes its bridge, rules and directories, and checks that the
host engine is as it was.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dockwise.engine.client import dockerd_binary

BASES = (
    "dockwise/python:3.13-slim",
    "dockwise/distroless-python3-debian13:latest",
    "dockwise/distroless-python3-debian13:nonroot",
)
START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class RemoteEngine:
    url: str
    client: object  # docker SDK client of the second engine
    pid: int  # host PID of its dockerd
    root: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _free_subnet() -> ipaddress.IPv4Network:
    used = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True, check=True).stdout
    for third in range(213, 250):
        subnet = ipaddress.ip_network(f"10.{third}.77.0/24")
        if str(subnet.network_address)[:-1] not in used:
            return subnet
    raise RuntimeError("no free 10.x.77.0/24 subnet for the test bridge")


def _rules(bridge: str, subnet: ipaddress.IPv4Network, comment: str) -> list[list[str]]:
    tag = ["-m", "comment", "--comment", comment]
    return [
        ["-t", "nat", "POSTROUTING", "-s", str(subnet), "!", "-o", bridge, *tag, "-j", "MASQUERADE"],
        ["-t", "filter", "FORWARD", "-i", bridge, "!", "-o", bridge, *tag, "-j", "ACCEPT"],
        [
            "-t",
            "filter",
            "FORWARD",
            "-o",
            bridge,
            "-m",
            "conntrack",
            "--ctstate",
            "RELATED,ESTABLISHED",
            *tag,
            "-j",
            "ACCEPT",
        ],
    ]


def _iptables(action: str, rule: list[str], *, check: bool = True) -> None:
    table, chain, rest = rule[:2], rule[2], rule[3:]
    position = ["1"] if action == "-I" else []
    subprocess.run(["iptables", *table, action, chain, *position, *rest], check=check, capture_output=True)


def _dockerd_pid(unshare_pid: int) -> int | None:
    try:
        children = Path(f"/proc/{unshare_pid}/task/{unshare_pid}/children").read_text().split()
    except OSError:
        return None
    return int(children[0]) if children else None


def _host_engine_state(host_client) -> tuple[str, bool]:
    docker0 = subprocess.run(["ip", "link", "show", "docker0"], capture_output=True).returncode == 0
    return host_client.info()["DockerRootDir"], docker0


@contextlib.contextmanager
def remote_engine(host_client, run_id: str, say=print) -> Iterator[RemoteEngine]:
    """Start the second engine, load dockwise's trixie bases into it from the host engine, yield it; tear it all
    down afterwards, leaving the host engine as it was."""
    import docker

    before = _host_engine_state(host_client)
    dockerd = dockerd_binary()
    assert dockerd is not None, "no dockerd on this host"
    root = Path(tempfile.mkdtemp(prefix=f"dw-engine-{run_id[:6]}-", dir="/tmp"))
    bridge, subnet, port = f"dwr{run_id[:10]}", _free_subnet(), _free_port()
    comment = f"dockwise.test={run_id}"
    process: subprocess.Popen | None = None
    added: list[list[str]] = []
    try:
        subprocess.run(["ip", "link", "add", bridge, "type", "bridge"], check=True, capture_output=True)
        gateway = next(subnet.hosts())
        subprocess.run(
            ["ip", "addr", "add", f"{gateway}/{subnet.prefixlen}", "dev", bridge], check=True, capture_output=True
        )
        subprocess.run(["ip", "link", "set", bridge, "up"], check=True, capture_output=True)
        for rule in _rules(bridge, subnet, comment):
            _iptables("-I" if rule[2] == "FORWARD" else "-A", rule)
            added.append(rule)
        with (root / "dockerd.log").open("wb") as log:
            process = subprocess.Popen(
                [
                    "unshare",
                    "--pid",
                    "--mount",
                    "--fork",
                    "--mount-proc",
                    str(dockerd),
                    "--data-root",
                    str(root / "data"),
                    "--exec-root",
                    str(root / "exec"),
                    "--pidfile",
                    str(root / "dockerd.pid"),
                    "-H",
                    f"tcp://127.0.0.1:{port}",
                    "--bridge",
                    bridge,
                    "--iptables=false",
                    "--ip-masq=false",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        url = f"tcp://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                client = docker.DockerClient(base_url=url, timeout=600)
                break
            except docker.errors.DockerException:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "the second dockerd did not start: " + (root / "dockerd.log").read_text(errors="replace")[-800:]
                    ) from None
                time.sleep(0.3)
        pid = _dockerd_pid(process.pid)
        assert pid is not None
        say(f"second engine at {url} (dockerd host PID {pid}, bridge {bridge} {subnet})")
        for tag in BASES:  # `docker save | docker load` through the two engines' APIs
            with tempfile.TemporaryFile() as spool:
                for chunk in host_client.images.get(tag).save(named=True):
                    spool.write(chunk)
                spool.seek(0)
                client.images.load(spool)
        yield RemoteEngine(url, client, pid, root)
    finally:
        if process is not None:
            pid = _dockerd_pid(process.pid)
            if pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                if pid is not None:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)  # the PID namespace ends with it: every process in it goes
                process.wait(timeout=30)
        for rule in reversed(added):
            _iptables("-D", rule, check=False)
        subprocess.run(["ip", "link", "delete", bridge], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
        assert _host_engine_state(host_client) == before, "the host engine changed"
