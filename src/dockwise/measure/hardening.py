"""Proof, from inside the running container, that the run profile holds: PID 1's effective and bounding capability
sets, no-new-privs
and seccomp mode (read from /proc), its uid, and whether `/`, the working directory and /tmp are writable (tried).

The probe runs through the engine (`docker exec`), with the image's own Python: no shell is needed, so it works on
distroless images, and it works the same when the engine is remote. The container's settings as the engine reports
them (read-only root, limits) are read from its inspect data.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from dockwise.core.errors import DockwiseError

PYTHON_CANDIDATES = ("python3", "/usr/bin/python3", "/opt/venv/bin/python", "/usr/local/bin/python3", "python")

# Runs inside the container as the container's own user. Writes are attempted with O_EXCL on a fresh name and removed.
PROBE = r"""
import errno, json, os
status = {}
for line in open("/proc/1/status"):
    key, _, value = line.partition(":")
    status[key] = value.strip()
def writable(directory):
    path = os.path.join(directory, ".dockwise-probe-%d" % os.getpid())
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        return [False, errno.errorcode.get(exc.errno, str(exc.errno))]
    os.close(fd)
    os.unlink(path)
    return [True, ""]
workdir = os.readlink("/proc/1/cwd")
print(json.dumps({
    "cap_eff": status.get("CapEff"), "cap_bnd": status.get("CapBnd"), "no_new_privs": status.get("NoNewPrivs"), "seccomp": status.get("Seccomp"),
    "uid": status.get("Uid", "").split(), "gid": status.get("Gid", "").split(), "workdir": workdir,
    "root": writable("/"), "work": writable(workdir), "tmp": writable("/tmp"),
}))
"""


@dataclass(frozen=True)
class HardeningFacts:
    """What the running container really is. `None` where the probe could not tell (see `note`)."""

    profile: str
    uid: int | None
    gid: int | None
    cap_eff: str | None  # hex, as in /proc/1/status: what PID 1 may use now (0 for any non-root process)
    cap_bnd: str | None  # the bounding set: what any process in the container could ever gain (0 after cap_drop ALL)
    no_new_privs: bool | None
    seccomp_mode: int | None  # 0 disabled, 1 strict, 2 filter
    workdir: str | None
    root_writable: bool | None
    workdir_writable: bool | None
    tmp_writable: bool | None
    read_only_rootfs: bool
    pids_limit: int | None
    memory_limit_bytes: int | None
    note: str

    @property
    def no_capabilities(self) -> bool | None:
        return None if self.cap_eff is None else int(self.cap_eff, 16) == 0

    def checks(self) -> dict[str, bool | None]:
        """Each property of the hardened profile, proven (True), disproven (False) or unknown (None)."""
        return {
            "non-root": None if self.uid is None else self.uid != 0,
            "no capabilities (CapEff 0)": self.no_capabilities,
            "all capabilities dropped (CapBnd 0)": None if self.cap_bnd is None else int(self.cap_bnd, 16) == 0,
            "no-new-privileges": self.no_new_privs,
            "seccomp filter": None if self.seccomp_mode is None else self.seccomp_mode == 2,
            "/ not writable": None if self.root_writable is None else not self.root_writable,
            "workdir not writable": None if self.workdir_writable is None else not self.workdir_writable,
            "/tmp writable": self.tmp_writable,
            "pids limited": self.pids_limit is not None and self.pids_limit > 0,
            "memory limited": bool(self.memory_limit_bytes),
        }

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "no_capabilities": self.no_capabilities, "checks": self.checks()}


def probe_hardening(container, profile: str) -> HardeningFacts:
    """Run the probe in `container` (running) with the first Python it has; the engine's view of its settings."""
    container.reload()
    host = container.attrs.get("HostConfig") or {}
    read_only = bool(host.get("ReadonlyRootfs"))
    pids: int | None = host.get("PidsLimit") or None
    memory: int | None = host.get("Memory") or None
    seen = _run_probe(container)
    if seen is None:
        return HardeningFacts(
            profile,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            read_only,
            pids,
            memory,
            note="no Python in the image to run the probe with: capabilities, no-new-privs, "
            "seccomp and writability were not measured",
        )
    return HardeningFacts(
        profile=profile,
        uid=int(seen["uid"][1]) if len(seen["uid"]) > 1 else None,  # effective uid
        gid=int(seen["gid"][1]) if len(seen["gid"]) > 1 else None,
        cap_eff=seen["cap_eff"],
        cap_bnd=seen["cap_bnd"],
        no_new_privs=None if seen["no_new_privs"] is None else seen["no_new_privs"] == "1",
        seccomp_mode=None if seen["seccomp"] is None else int(seen["seccomp"]),
        workdir=seen["workdir"],
        root_writable=seen["root"][0],
        workdir_writable=seen["work"][0],
        tmp_writable=seen["tmp"][0],
        read_only_rootfs=read_only,
        pids_limit=pids,
        memory_limit_bytes=memory,
        note="measured inside the container through the engine (docker exec, the image's own Python)",
    )


def _run_probe(container) -> dict | None:
    from docker.errors import APIError

    for python in PYTHON_CANDIDATES:
        try:
            result = container.exec_run([python, "-c", PROBE], demux=False)
        except APIError as exc:
            raise DockwiseError(
                f"could not exec a probe in {container.short_id}: {exc.explanation or exc}",
                "check that the container is still running",
            ) from None
        if result.exit_code == 0:
            try:
                return json.loads(result.output.decode(errors="replace").strip().splitlines()[-1])
            except (ValueError, IndexError):
                continue
    return None
