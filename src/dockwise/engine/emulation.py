"""Running another architecture's binaries here: the kernel's binfmt_misc handing foreign ELF files to Debian's
qemu-user-static. `dockwise doctor --platforms` reports it and, as root on Debian, sets it up.

The handler is registered with the F flag (qemu's binfmt.d file says so): the kernel opens the interpreter once, at
registration, so containers, which do not have /usr/libexec/qemu-binfmt, run foreign binaries too. Whether it works
is proven by running a 132-byte static arm64 program (built here, byte by byte: exit(0)) on the host and, through
the engine, in a container of an image holding only that program.
"""

from __future__ import annotations

import os
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.core.hostpkg import apt_install
from dockwise.core.platform import DEFAULT_PLATFORM, Platform, parse_platform
from dockwise.core.programs import run_program
from dockwise.service import labels as service_labels

BINFMT_DIR = Path("/proc/sys/fs/binfmt_misc")
QEMU_PACKAGE = "qemu-user-static"
BINFMT_CONF_DIR = Path("/usr/lib/binfmt.d")
# Debian's handler name for each architecture it emulates here (its binfmt.d file is <name>.conf).
QEMU_HANDLERS = {"arm64": "qemu-aarch64"}
PROBE_LABEL = service_labels.EMULATION_PROBE


@dataclass(frozen=True)
class PlatformSupport:
    """Whether binaries of `platform` run here, and why (not)."""

    platform: Platform
    native: bool
    handler: str | None  # binfmt_misc entry, e.g. qemu-aarch64
    interpreter: str | None
    flags: str
    host_runs: bool  # the probe program ran on the host
    engine_runs: bool | None  # ... and in a container (None: not tried)
    note: str

    @property
    def ready(self) -> bool:
        return self.native or (self.host_runs and self.engine_runs is not False)

    def as_dict(self) -> dict[str, object]:
        return {
            "platform": str(self.platform),
            "native": self.native,
            "handler": self.handler,
            "interpreter": self.interpreter,
            "flags": self.flags,
            "host_runs": self.host_runs,
            "engine_runs": self.engine_runs,
            "ready": self.ready,
            "note": self.note,
        }


def arm64_exit0() -> bytes:
    """A static aarch64 ELF executable that calls exit(0): ELF header, one PT_LOAD segment, three instructions."""
    base, header, segment = 0x400000, 64, 56
    code = struct.pack("<3I", 0xD2800000, 0xD2800BA8, 0xD4000001)  # mov x0, #0; mov x8, #93 (exit); svc #0
    size = header + segment + len(code)
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)  # 64-bit, little-endian, version 1, System V
    elf = ident + struct.pack(
        "<HHIQQQIHHHHHH", 2, 0xB7, 1, base + header + segment, header, 0, 0, header, segment, 1, 0, 0, 0
    )
    load = struct.pack("<IIQQQQQQ", 1, 5, 0, base, base, size, size, 0x1000)  # PT_LOAD, R+X, the whole file
    return elf + load + code


def binfmt_mounted() -> bool:
    return (BINFMT_DIR / "register").exists()


def _handler_fields(name: str) -> dict[str, str]:
    """The kernel's view of a binfmt_misc entry (`enabled`, `interpreter`, `flags`, ...), or {} if absent."""
    try:
        text = (BINFMT_DIR / name).read_text()
    except OSError:
        return {}
    fields = {"state": text.splitlines()[0].strip() if text else ""}
    for line in text.splitlines()[1:]:
        key, _, value = line.partition(" ")
        fields[key.rstrip(":")] = value.strip()
    return fields


def _host_runs(program: bytes) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory(prefix="dockwise-emu-") as tmp:
        path = Path(tmp) / "exit0"
        path.write_bytes(program)
        path.chmod(0o755)
        try:
            result = run_program([str(path)], tool="an arm64 program", timeout=30, check=False)
        except DockwiseError as exc:
            return False, exc.cause
        except OSError as exc:  # ENOEXEC: no handler for the format
            return False, exc.strerror or str(exc)
    return result.returncode == 0, f"exit {result.returncode}"


def platform_support(platform: Platform, client=None) -> PlatformSupport:
    """Check one platform: native, or a registered, enabled handler that runs the probe program (and, with
    `client`, runs it in a container through the engine)."""
    if platform == DEFAULT_PLATFORM:
        return PlatformSupport(platform, True, None, None, "", True, None, "native")
    handler = QEMU_HANDLERS.get(platform.architecture)
    if handler is None:
        known = ", ".join(f"linux/{arch}" for arch in (DEFAULT_PLATFORM.architecture, *QEMU_HANDLERS))
        raise DockwiseError(f"dockwise does not build or run {platform}", f"use one of: {known}", exit_code=EXIT_USAGE)
    if not binfmt_mounted():
        return PlatformSupport(
            platform, False, handler, None, "", False, None, f"binfmt_misc is not mounted at {BINFMT_DIR}"
        )
    fields = _handler_fields(handler)
    if not fields:
        return PlatformSupport(
            platform,
            False,
            handler,
            None,
            "",
            False,
            None,
            f"no {handler} handler registered (install Debian's {QEMU_PACKAGE})",
        )
    interpreter, flags = fields.get("interpreter"), fields.get("flags", "")
    if fields.get("state") != "enabled":
        return PlatformSupport(platform, False, handler, interpreter, flags, False, None, f"{handler} is disabled")
    host_ok, detail = _host_runs(arm64_exit0())
    if not host_ok:
        return PlatformSupport(
            platform,
            False,
            handler,
            interpreter,
            flags,
            False,
            None,
            f"the arm64 probe program did not run on the host ({detail})",
        )
    engine_ok, note = (
        (None, "runs on the host (engine not checked)") if client is None else _engine_runs(client, platform)
    )
    if "F" not in flags and engine_ok is None:
        note += f"; without the F flag containers cannot find {interpreter}"
    return PlatformSupport(platform, False, handler, interpreter, flags, True, engine_ok, note)


def _engine_runs(client, platform: Platform) -> tuple[bool, str]:
    """Load a one-file image of the probe program (FROM scratch, platform's config) and run it in a container."""
    import hashlib
    import io
    import json
    import tarfile

    from docker.errors import DockerException

    layer = io.BytesIO()
    program = arm64_exit0()
    with tarfile.open(fileobj=layer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("exit0")
        info.size, info.mode = len(program), 0o755
        tar.addfile(info, io.BytesIO(program))
    diff_id = "sha256:" + hashlib.sha256(layer.getvalue()).hexdigest()
    config = json.dumps(
        {
            "architecture": platform.architecture,
            "os": platform.os,
            **({"variant": platform.variant} if platform.variant else {}),
            "config": {"Entrypoint": ["/exit0"], "Labels": {PROBE_LABEL: "1"}},
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        },
        sort_keys=True,
    ).encode()
    image_id = "sha256:" + hashlib.sha256(config).hexdigest()
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        for name, data in (
            (f"{image_id[7:]}.json", config),
            ("layer.tar", layer.getvalue()),
            (
                "manifest.json",
                json.dumps([{"Config": f"{image_id[7:]}.json", "RepoTags": None, "Layers": ["layer.tar"]}]).encode(),
            ),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    try:
        client.images.load(archive.getvalue())
        container = client.containers.create(image_id, labels={PROBE_LABEL: "1"}, network_disabled=True)
        try:
            container.start()
            code = container.wait(timeout=60).get("StatusCode")
        finally:
            container.remove(force=True)
    except DockerException as exc:
        return False, f"a {platform} container did not run: {str(exc).splitlines()[0][:160]}"
    finally:
        try:
            client.images.remove(image_id, force=True)
        except DockerException:
            pass
    if code != 0:
        return False, f"a {platform} container exited {code}"
    return True, "runs on the host and in containers"


def setup_emulation(platforms: list[Platform], say: Callable[[str], None] = lambda _m: None) -> None:
    """As root on Debian: mount binfmt_misc, install qemu-user-static, register each foreign platform's handler
    from Debian's binfmt.d file if the package's scripts did not (no systemd or binfmt-support here)."""
    foreign = [p for p in platforms if p != DEFAULT_PLATFORM]
    if not foreign:
        return
    if os.geteuid() != 0 or not Path("/etc/debian_version").exists():
        raise DockwiseError(
            "setting up emulation needs root on Debian",
            "as root: mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc && apt-get install qemu-user-static",
        )
    if not binfmt_mounted():
        say(f"mounting binfmt_misc at {BINFMT_DIR}")
        run_program(
            ["mount", "-t", "binfmt_misc", "binfmt_misc", str(BINFMT_DIR)],
            tool="mount binfmt_misc",
            timeout=30,
            fix="the kernel needs binfmt_misc (CONFIG_BINFMT_MISC)",
        )
    handlers = [QEMU_HANDLERS[p.architecture] for p in foreign if p.architecture in QEMU_HANDLERS]
    if not all((BINFMT_CONF_DIR / f"{name}.conf").is_file() for name in handlers):
        apt_install([QEMU_PACKAGE], say)
    for name in handlers:
        if _handler_fields(name):
            continue
        conf = BINFMT_CONF_DIR / f"{name}.conf"
        rule = next((line for line in conf.read_text().splitlines() if line.startswith(":")), None)
        if rule is None:
            raise DockwiseError(f"{conf} holds no binfmt_misc rule", f"reinstall Debian's {QEMU_PACKAGE}")
        say(f"registering {name} with binfmt_misc (from {conf})")
        with open(BINFMT_DIR / "register", "w") as register:
            register.write(rule)


def parse_platforms(text: str) -> list[Platform]:
    """`linux/amd64,linux/arm64` -> platforms, each once, in order."""
    found: dict[Platform, None] = {}
    for part in text.split(","):
        if part.strip():
            found[parse_platform(part.strip())] = None
    if not found:
        raise DockwiseError(
            "--platform names no platform", "e.g. --platform linux/amd64,linux/arm64", exit_code=EXIT_USAGE
        )
    return list(found)
