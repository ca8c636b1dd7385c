"""Containers that we start, publish on loopback only, wait for, and always remove."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.engine.http_status import LOOPBACK, get_status, is_up
from dockwise.service import labels as service_labels
from dockwise.service.contract import check_data_path, tcp_ports
from dockwise.service.profile import HARDENED, RunProfile
from dockwise.service.run_options import data_mount, profile_options

if TYPE_CHECKING:
    from docker.models.containers import Container

    from dockwise.engine.setup_run import StepWrapper


@dataclass(frozen=True)
class Published:
    """A started container and the loopback port its service port is published on (None: no port)."""

    container: Container
    host_port: int | None

    def url(self, path: str = "/") -> str:
        return f"http://{LOOPBACK}:{self.host_port}{path}"


def exposed_tcp_port(client, image: str) -> int | None:
    """The lowest TCP port the image exposes, or None."""
    exposed = (client.images.get(image).attrs.get("Config") or {}).get("ExposedPorts") or {}
    return next(iter(tcp_ports(exposed)), None)


def _host_port(container, port: int) -> int:
    container.reload()
    bindings = (container.attrs["NetworkSettings"]["Ports"] or {}).get(f"{port}/tcp") or []
    for binding in bindings:
        if binding.get("HostIp") in (LOOPBACK, "") and binding.get("HostPort"):
            return int(binding["HostPort"])
    if container.status in ("exited", "dead"):
        raise DockwiseError(
            f"the container exited as it started (code {container.attrs['State'].get('ExitCode')}); "
            f"log tail: {log_tail(container, 3)}",
            "run the image by hand and read `docker logs`",
        )
    raise DockwiseError(f"port {port}/tcp of the container was not published", "check the image's EXPOSE")


def start(
    client,
    image: str,
    *,
    port: int | None,
    labels: dict[str, str],
    host_port: int | None = None,
    profile: RunProfile = HARDENED,
    setup: bool | None = None,
    setup_wrapper: StepWrapper | None = None,
    **run_options,
) -> Published:
    """Start `image` detached under the run `profile`, its `port` published on 127.0.0.1 only (an ephemeral host port
    unless given); `run_options` (docker SDK `containers.create` arguments) add to or override the profile's.

    When the image has a setup step (label `dockwise.setup`), the step runs first, once, in a one-shot container on
    the same data volume (dockwise.engine.setup_run): if `setup` says so, or by default when the container runs the
    image's own command (no `command` or `entrypoint` of the caller's: a bare-runtime baseline needs no tables);
    under `setup_wrapper` when given (slim traces the step in a one-shot of its own)."""
    from docker.errors import APIError, ImageNotFound

    from dockwise.engine.setup_run import image_setup, run_setup_once

    ports = {f"{port}/tcp": (LOOPBACK, host_port)} if port else {}
    try:
        data = client.images.get(image).labels.get(service_labels.DATA)
    except ImageNotFound:
        raise DockwiseError(f"image {image} is not in the engine", "build it first", exit_code=EXIT_USAGE) from None
    if data:
        check_data_path(data)
    options = {**profile_options(profile), **run_options}
    volume = None
    mounted = options.get("volumes") or {}
    if data and not any(spec.get("bind") == data for spec in mounted.values()):
        # The app writes there: a fresh volume (filled from the image's own files, as Docker does) for this container.
        volume = client.volumes.create(labels={**labels, service_labels.EPHEMERAL: "1"})
        options["volumes"] = {**mounted, **data_mount(volume.name, data)}
    try:
        if step := image_setup(client, image, setup, run_options):
            # The step gets the data volume alone: the caller's other mounts (slim's tracer and trace output) are the
            # service's, and a step writing into them would be taken for the service's own doing.
            volumes = {name: spec for name, spec in (options.get("volumes") or {}).items() if spec.get("bind") == data}
            step_options = {**options, "volumes": volumes}
            run_setup_once(
                client, image, *step, labels=labels, data_path=data, options=step_options, wrapper=setup_wrapper
            )
        container = client.containers.create(image, ports=ports, labels=labels, **options)
    except BaseException:
        if volume is not None:
            volume.remove(force=True)
        raise
    # From here on the container exists: whatever fails, it has to go.
    try:
        container.start()
        return Published(container, _host_port(container, port) if port else None)
    except APIError as exc:
        remove(container)
        text = str(exc.explanation or exc)
        if "address already in use" in text or "port is already allocated" in text:
            raise DockwiseError(
                f"port {host_port} on {LOOPBACK} is already taken", "choose another port or stop what listens there"
            ) from None
        raise DockwiseError(f"starting {image} failed: {text.splitlines()[0][:200]}", "see `docker logs`") from None
    except BaseException:
        remove(container)
        raise


def wait_for_http_ok(published: Published, path: str = "/", timeout: float = 60.0, interval: float = 0.01) -> float:
    """Poll until GET `path` answers 2xx/3xx; returns the seconds it took. Raises with the log tail if it never does
    (the container exited, or `timeout` passed)."""
    if published.host_port is None:
        raise DockwiseError("the container publishes no port to probe", "EXPOSE the service port in the image")
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if is_up(get_status(published.host_port, path)):
            return time.monotonic() - started
        published.container.reload()
        if published.container.status in ("exited", "dead"):
            break
        time.sleep(interval)
    raise DockwiseError(
        f"{published.container.image.tags[:1] or published.container.image.id} never answered 2xx/3xx on {path} "
        f"(container {published.container.status}); log tail: {log_tail(published.container, 3)}",
        "run the image by hand and read `docker logs`",
    )


def log_tail(container, lines: int = 20) -> str:
    from docker.errors import DockerException

    try:
        text = container.logs(tail=lines).decode(errors="replace")
    except DockerException:  # the container may already be gone
        return "(no log)"
    return " | ".join(line.strip() for line in text.strip().splitlines()) or "(empty log)"


def container_rss_bytes(container) -> int | None:
    """Resident memory of all the container's processes (anonymous memory, without page cache)."""
    stats = container.stats(stream=False).get("memory_stats", {}).get("stats", {})
    for key in ("total_rss", "rss", "anon"):  # cgroup v1 hierarchy total, v1 own, v2
        if key in stats:
            return int(stats[key])
    return None


def remove(container) -> None:
    """Remove the container (stopping it first) and the data volume `start` made for it; already gone or already
    being removed is fine."""
    from docker.errors import APIError, NotFound

    mounts = [m.get("Name") for m in container.attrs.get("Mounts") or [] if m.get("Type") == "volume"]
    try:
        container.remove(force=True)
    except NotFound:
        pass
    except APIError as exc:
        if exc.status_code != 409:  # 409: removal already in progress
            raise DockwiseError(
                f"could not remove container {container.short_id}: {exc.explanation or exc}",
                f"remove it by hand: docker rm -f {container.short_id}",
            ) from None
    for name in filter(None, mounts):
        try:
            volume = container.client.volumes.get(name)
            if volume.attrs.get("Labels", {}).get(service_labels.EPHEMERAL) == "1":
                volume.remove(force=True)
        except NotFound:
            continue


@contextlib.contextmanager
def running(
    client, image: str, *, port: int | None, labels: dict[str, str], profile: RunProfile = HARDENED, **options
) -> Iterator[Published]:
    """Start a published container for the duration of a `with` block; it is removed however the block ends."""
    published = start(client, image, port=port, labels=labels, profile=profile, **options)
    try:
        yield published
    finally:
        remove(published.container)
