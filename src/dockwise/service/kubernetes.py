"""The contract as Kubernetes manifests: a Deployment and a Service under the restricted Pod Security Standard.

runAsNonRoot, runAsUser/runAsGroup matching the image, a read-only root, no privilege escalation, every capability
dropped, seccomp RuntimeDefault, an in-memory `emptyDir` for each tmpfs, readiness and liveness probes on the health
path, memory requests and limits, and a terminationGracePeriodSeconds longer than the server's graceful timeout.
A setup step runs in an initContainer of the same image under the same constraints, on the data volume, guarded by
a marker there (`dockwise.service.setup_once`): once per release and volume.
"""

from __future__ import annotations

from typing import Any

from dockwise.service.contract import ServiceContract, check_image, check_name
from dockwise.service.profile import MiB
from dockwise.service.setup_once import once_command

CPU = "1"


def _volume_name(path: str, index: int) -> str:
    return "tmp" if path == "/tmp" else f"tmp-{index}"


def _security_context(contract: ServiceContract) -> dict[str, Any]:
    profile = contract.profile
    return {
        "runAsNonRoot": True,
        "runAsUser": contract.uid,
        "runAsGroup": contract.gid,
        "allowPrivilegeEscalation": not profile.no_new_privileges,
        "readOnlyRootFilesystem": profile.read_only,
        "capabilities": {"drop": list(profile.cap_drop)},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def kubernetes_documents(contract: ServiceContract, *, name: str, image: str) -> list[dict[str, Any]]:
    """A Deployment and a Service (apps/v1, v1) named `name`, running `image`."""
    check_name(name)
    check_image(image)
    profile = contract.profile
    labels = {"app.kubernetes.io/name": name}
    probe = {"httpGet": {"path": contract.health_path, "port": "http"}, "periodSeconds": 10, "timeoutSeconds": 3}
    mounts: list[dict[str, Any]] = []
    volumes: list[dict[str, Any]] = []
    for index, path in enumerate(profile.tmpfs):
        volume = _volume_name(path, index)
        mounts.append({"name": volume, "mountPath": path})
        volumes.append(
            {"name": volume, "emptyDir": {"medium": "Memory", "sizeLimit": f"{profile.tmpfs_bytes // MiB}Mi"}}
        )
    if contract.data_path:
        # What the app writes. An emptyDir lives as long as the pod: claim a PersistentVolume for data that must last.
        mounts.append({"name": "data", "mountPath": contract.data_path})
        volumes.append({"name": "data", "emptyDir": {}})
    # Requests equal limits (the Guaranteed QoS class): the scheduler reserves the memory that was proven, and a
    # node with swap (LimitedSwap) gives a Guaranteed pod none, as compose's memswap_limit and the probes do.
    limits = {"cpu": CPU, **({"memory": f"{profile.memory_bytes // MiB}Mi"} if profile.memory_bytes else {})}
    resources = {"requests": dict(limits), "limits": limits}
    container: dict[str, Any] = {
        "name": name,
        "image": image,
        "ports": [{"name": "http", "containerPort": contract.port, "protocol": "TCP"}],
        "readinessProbe": {**probe, "initialDelaySeconds": 1, "failureThreshold": 3},
        "livenessProbe": {**probe, "initialDelaySeconds": 10, "failureThreshold": 3},
        "resources": resources,
        "securityContext": _security_context(contract),
        "volumeMounts": mounts,
    }
    pod: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "terminationGracePeriodSeconds": contract.grace_period_s,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": contract.uid,
            "runAsGroup": contract.gid,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    }
    if contract.setup:
        pod["initContainers"] = [
            {
                "name": "setup",
                "image": image,
                "command": once_command(contract.setup, contract.setup_scope, data_path=contract.data_path or "/data"),
                "resources": resources,
                "securityContext": _security_context(contract),
                "volumeMounts": [dict(m) for m in mounts],
            }
        ]
    pod["containers"] = [container]
    pod["volumes"] = volumes
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": pod},
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": labels},
        "spec": {"selector": labels, "ports": [{"name": "http", "port": contract.port, "targetPort": "http"}]},
    }
    return [deployment, service]
