"""The run profile: the single definition of the constraints dockwise runs a service container under (the emitters in
`dockwise.service` serialize it for the engine, compose and Kubernetes).

`HARDENED` (the default everywhere: `demo`, `compare`'s probes, the compose file `init` writes, `deploy`) is the
Kubernetes "restricted" Pod Security Standard and the CIS Docker Benchmark's runtime section (5.x) applied to one
container: the image's own non-root user, a read-only root filesystem with a tmpfs on /tmp, every capability
dropped, no privilege escalation (no-new-privileges), the engine's default seccomp filter, pids and memory limits,
the port published on 127.0.0.1. `DEFAULT` is the engine's defaults, kept for comparison (`--profile default`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dockwise.core.errors import EXIT_USAGE, DockwiseError

MiB = 1 << 20


@dataclass(frozen=True)
class RunProfile:
    name: str
    read_only: bool
    tmpfs: dict[str, str] = field(default_factory=dict)  # mount point -> mount options
    cap_drop: tuple[str, ...] = ()
    no_new_privileges: bool = False
    pids_limit: int | None = None
    memory_bytes: int | None = None
    tmpfs_bytes: int = 64 * MiB

    def with_memory(self, memory_bytes: int | None) -> RunProfile:
        return RunProfile(
            self.name,
            self.read_only,
            dict(self.tmpfs),
            self.cap_drop,
            self.no_new_privileges,
            self.pids_limit,
            memory_bytes,
            self.tmpfs_bytes,
        )

    def describe(self) -> str:
        if self.name == "default":
            return "the engine's defaults (writable root, default capabilities, no limits)"
        parts = ["read-only root" if self.read_only else "writable root"]
        parts += [f"tmpfs {path}" for path in self.tmpfs]
        parts += ["cap_drop " + ",".join(self.cap_drop)] if self.cap_drop else []
        parts += ["no-new-privileges"] if self.no_new_privileges else []
        parts += ["default seccomp"]
        parts += [f"pids ≤ {self.pids_limit}"] if self.pids_limit else []
        parts += [f"memory ≤ {self.memory_bytes // MiB} MiB"] if self.memory_bytes else []
        return ", ".join(parts)


HARDENED = RunProfile(
    name="hardened",
    read_only=True,
    tmpfs={"/tmp": f"rw,nosuid,nodev,noexec,size={64 * MiB}"},
    cap_drop=("ALL",),
    no_new_privileges=True,
    pids_limit=128,
    memory_bytes=256 * MiB,
)
DEFAULT = RunProfile(name="default", read_only=False)
PROFILES = {p.name: p for p in (HARDENED, DEFAULT)}


def run_profile(name: str) -> RunProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise DockwiseError(
            f"unknown run profile {name!r}", f"use one of: {', '.join(PROFILES)}", exit_code=EXIT_USAGE
        ) from None
