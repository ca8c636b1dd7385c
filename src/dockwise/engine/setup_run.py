"""The image's setup step, run once before dockwise starts its service: what compose's one-shot service and the
Kubernetes initContainer do for the user, done for `demo` and the probes.

When the image carries the `dockwise.setup` label, a one-shot container of the same image, under the same run profile
and on the same data volume, runs the setup-once runner (dockwise.service.setup_once) with the step; the service
starts only when it exits 0. The runner's marker in the volume keeps the step from running twice on it (per release,
or ever for a step that destroys data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.engine.containers import log_tail
from dockwise.service import labels as label_names
from dockwise.service.contract import setup_from_labels
from dockwise.service.setup_once import EXIT_NO_VOLUME, SetupScope, once_command

SETUP_TIMEOUT_S = 300.0
DEFAULT_DATA_PATH = "/data"


@dataclass(frozen=True)
class StepWrapper:
    """A program the setup step runs under, as its child (slim's strace), with what the one-shot alone needs for it:
    `argv` goes before the step's own argv; `volumes` are mounted beside the data volume; `environment` replaces the
    caller's (the service's) environment in the one-shot."""

    argv: tuple[str, ...]
    volumes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    environment: Mapping[str, str] = field(default_factory=dict)


def setup_step(image: str, image_labels: dict[str, str]) -> tuple[tuple[str, ...], SetupScope] | None:
    """The image's setup step and scope from its labels, or None when it has none (refused, exit 2, when a label is
    not a value of its kind)."""
    try:
        return setup_from_labels(image_labels)
    except DockwiseError as exc:
        raise DockwiseError(f"image {image}: {exc.cause}", exc.fix, exit_code=EXIT_USAGE) from None


def image_setup(
    client, image: str, asked: bool | None, run_options: Mapping[str, object]
) -> tuple[tuple[str, ...], SetupScope] | None:
    """The setup step to run before a container of `image`: none when not `asked`; when `asked` is None, the image's
    step if the container runs the image's own command (no `command` or `entrypoint` in `run_options`)."""
    if asked is False or (asked is None and {"command", "entrypoint"} & run_options.keys()):
        return None
    return setup_step(image, client.images.get(image).labels or {})


def run_setup_once(
    client,
    image: str,
    step: tuple[str, ...],
    scope: SetupScope,
    *,
    labels: dict[str, str],
    data_path: str | None,
    options: dict,
    timeout: float = SETUP_TIMEOUT_S,
    wrapper: StepWrapper | None = None,
) -> None:
    """Run `step` in a one-shot container of `image` with the service's `options` (run profile, volumes, network),
    under `wrapper` if given, wait for it (at most `timeout` seconds) and remove it; raises with its log tail when it
    fails. The setup-once runner stays outside the wrapper: only the step itself runs under it."""
    from docker.errors import DockerException
    from requests.exceptions import RequestException

    wrapped = (*wrapper.argv, *step) if wrapper else step
    argv = once_command(wrapped, scope, data_path=data_path or DEFAULT_DATA_PATH)
    one_shot = {**options, "entrypoint": argv[:1], "command": argv[1:], "healthcheck": {"test": ["NONE"]}}
    if wrapper:
        one_shot["volumes"] = {**(options.get("volumes") or {}), **wrapper.volumes}
        one_shot["environment"] = dict(wrapper.environment)
    one_shot.pop("hostname", None)
    container = client.containers.create(image, labels=labels, **one_shot)
    try:
        container.start()
        try:
            code = container.wait(timeout=timeout).get("StatusCode")
        except (RequestException, DockerException):
            raise DockwiseError(
                f"the setup step {' '.join(step)} of {image} did not finish within {timeout:.0f} s; "
                f"log tail: {log_tail(container, 5)}",
                "run the step by hand and see what it waits for (a database it cannot reach?)",
            ) from None
        if code == EXIT_NO_VOLUME and scope == "volume":
            raise DockwiseError(
                f"the setup step {' '.join(step)} of {image} destroys data and there is no data volume to record "
                f"that it ran, so it was not run; log tail: {log_tail(container, 3)}",
                f"give the image a {label_names.DATA} label (dockwise init sets it when the app writes) and a volume",
            )
        if code != 0:
            raise DockwiseError(
                f"the setup step {' '.join(step)} of {image} failed (exit {code}); log tail: {log_tail(container, 5)}",
                "run the step by hand in the image and fix what it reports",
            )
    finally:
        try:
            container.remove(force=True)
        except DockerException:
            pass
