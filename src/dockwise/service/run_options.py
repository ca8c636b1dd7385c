"""The contract as docker SDK `containers.create` options: how dockwise's probes, `demo` and tests run a service.

The seccomp profile is the engine's default (never `seccomp=unconfined`); memory and memory+swap are the same
figure, so the container never swaps beyond the limit that was measured.
"""

from __future__ import annotations

from dockwise.service.contract import ServiceContract
from dockwise.service.profile import RunProfile


def profile_options(profile: RunProfile) -> dict[str, object]:
    """The run profile's constraints as `containers.create` options (the image's own USER applies)."""
    options: dict[str, object] = {}
    if profile.read_only:
        options["read_only"] = True
    if profile.tmpfs:
        options["tmpfs"] = dict(profile.tmpfs)
    if profile.cap_drop:
        options["cap_drop"] = list(profile.cap_drop)
    if profile.no_new_privileges:
        options["security_opt"] = ["no-new-privileges:true"]
    if profile.pids_limit is not None:
        options["pids_limit"] = profile.pids_limit
    if profile.memory_bytes is not None:
        options["mem_limit"] = profile.memory_bytes
        options["memswap_limit"] = profile.memory_bytes  # no swap beyond the limit: the limit is the limit
    return options


def data_mount(volume: str, data_path: str) -> dict[str, dict[str, str]]:
    """`volumes=` for the data volume named `volume` at `data_path`."""
    return {volume: {"bind": data_path, "mode": "rw"}}


def run_options(contract: ServiceContract, *, volume: str | None = None) -> dict[str, object]:
    """Every constraint of the contract as `containers.create` options; `volume` (a volume name) is mounted at the
    data path when the contract has one."""
    options: dict[str, object] = {"user": contract.user, **profile_options(contract.profile)}
    if contract.stop_signal != "SIGTERM":
        options["stop_signal"] = contract.stop_signal
    if contract.data_path and volume:
        options["volumes"] = data_mount(volume, contract.data_path)
    return options
