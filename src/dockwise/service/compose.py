"""The contract as Compose services: built as data and dumped by the YAML library, never concatenated.

The app service runs under the run profile (user, read-only root, tmpfs, every capability dropped,
no-new-privileges, pids, memory with `memswap_limit` equal to `mem_limit`, so no swap beyond the proven limit), its
port published on 127.0.0.1 only, with a grace period longer than the server's drain. A setup step runs in a one-shot
service `<name>-setup` of the same image under the same constraints, on the data volume, once per release and
volume (`dockwise.service.setup_once`); the app waits for it to complete (`service_completed_successfully`).

Compose interpolates `$` in every string value: each one is written `$$`, so the container gets the text as it is.
"""

from __future__ import annotations

from typing import Any

from dockwise.service.contract import ServiceContract, check_image, check_name
from dockwise.service.profile import MiB
from dockwise.service.setup_once import once_command

DATA_VOLUME = "data"
HEALTH_TIMING = {"interval": "10s", "timeout": "3s", "start_period": "20s", "retries": 3}


def _literal(value: str) -> str:
    return value.replace("$", "$$")


def _constraints(contract: ServiceContract, image: str) -> dict[str, Any]:
    profile = contract.profile
    service: dict[str, Any] = {"image": image, "user": contract.user}
    if profile.read_only:
        service["read_only"] = True
    if profile.tmpfs:
        service["tmpfs"] = [f"{path}:{options}" for path, options in profile.tmpfs.items()]
    if profile.cap_drop:
        service["cap_drop"] = list(profile.cap_drop)
    if profile.no_new_privileges:
        service["security_opt"] = ["no-new-privileges:true"]
    if profile.pids_limit is not None:
        service["pids_limit"] = profile.pids_limit
    if profile.memory_bytes is not None:
        service["mem_limit"] = f"{profile.memory_bytes // MiB}m"
        service["memswap_limit"] = f"{profile.memory_bytes // MiB}m"  # no swap beyond the limit
    if contract.data_path:
        service["volumes"] = [f"{DATA_VOLUME}:{contract.data_path}"]
    return service


def compose_document(
    contract: ServiceContract,
    *,
    name: str,
    image: str,
    health_python: str | None = None,
    environment: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A compose.yaml document (a dict for `yaml.safe_dump`): the service `name` of `image`, and its setup one-shot
    when the contract has a setup step. `health_python` (the image's Python) adds a health check that asks the
    health path; without it the image's own HEALTHCHECK applies."""
    check_name(name)
    check_image(image)
    app = _constraints(contract, image)
    app["ports"] = [f"127.0.0.1:{contract.port}:{contract.port}"]
    app["stop_grace_period"] = f"{contract.grace_period_s}s"
    if contract.stop_signal != "SIGTERM":
        app["stop_signal"] = contract.stop_signal
    app["restart"] = "unless-stopped"  # an OOM kill or a crash restarts it, as the Deployment would
    if environment:
        app["environment"] = {key: _literal(value) for key, value in environment.items()}
    if health_python:
        test = ["CMD", *(_literal(word) for word in contract.health_argv(health_python))]
        app["healthcheck"] = {"test": test, **HEALTH_TIMING}
    services: dict[str, Any] = {name: app}
    if contract.setup:
        setup = _constraints(contract, image)
        command = once_command(contract.setup, contract.setup_scope, data_path=contract.data_path or "/data")
        setup["command"] = [_literal(word) for word in command]
        setup["restart"] = "no"
        if environment:
            setup["environment"] = dict(app["environment"])
        services[f"{name}-setup"] = setup
        app["depends_on"] = {f"{name}-setup": {"condition": "service_completed_successfully"}}
    document: dict[str, Any] = {"services": services}
    if contract.data_path:
        document["volumes"] = {DATA_VOLUME: {}}
    return document


def to_yaml(documents: list[dict] | dict) -> str:
    """YAML text of one document or several (`---` between them), keys in the order they were built."""
    import yaml

    class Plain(yaml.SafeDumper):
        def ignore_aliases(self, data: object) -> bool:  # shared dicts are written out, not as &anchors
            return True

    docs = documents if isinstance(documents, list) else [documents]
    return "---\n".join(yaml.dump(doc, Dumper=Plain, sort_keys=False, default_flow_style=False) for doc in docs)
