"""Compose and Kubernetes manifests for one service image, both derived from the run profile.

Kubernetes: a Deployment and a Service that satisfy the restricted Pod Security Standard (runAsNonRoot, runAsUser
matching the image, read-only root, no privilege escalation, every capability dropped, seccomp RuntimeDefault), an
`emptyDir` for /tmp, readiness and liveness probes on the health path, requests and limits, and a
terminationGracePeriodSeconds longer than the server's graceful timeout. Compose: the same service under the same
constraints, its port published on 127.0.0.1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dockwise.core.errors import EXIT_USAGE, DockwiseError
from dockwise.engine.containers import DATA_LABEL
from dockwise.engine.run_profile import HARDENED, MiB, RunProfile
from dockwise.image.facts import ImageFacts

GRACEFUL_LABEL = "dockwise.graceful-timeout"
"""Seconds the server's graceful shutdown may take, as the image declares it (dockwise's Dockerfiles set it)."""
DEFAULT_GRACEFUL_S = 10  # docker stop's own default grace
GRACE_MARGIN_S = 5
CPU_REQUEST, CPU_LIMIT = "100m", "1"


@dataclass(frozen=True)
class ServiceSpec:
    """What a manifest needs to know about the service, read from the image (flags override)."""

    name: str
    image: str
    port: int
    uid: int
    gid: int
    health_path: str
    graceful_s: int
    profile: RunProfile
    data_path: str | None = None  # where the app writes, when the image says so (DATA_LABEL)

    @property
    def grace_period_s(self) -> int:
        """Longer than the server's graceful timeout, so the orchestrator never kills a draining server."""
        return self.graceful_s + GRACE_MARGIN_S


def service_spec(
    facts: ImageFacts,
    image: str,
    *,
    name: str | None = None,
    port: int | None = None,
    health_path: str | None = None,
    profile: RunProfile = HARDENED,
) -> ServiceSpec:
    """The service of `image`; a DockwiseError (exit 2) when the image cannot satisfy the restricted profile."""
    if facts.user.uid is None:
        raise DockwiseError(
            f"{image} runs as USER {facts.user.configured!r}, which its /etc/passwd does not resolve",
            "use a numeric USER (e.g. USER 10001) so runAsUser can match it",
            exit_code=EXIT_USAGE,
        )
    if facts.user.uid == 0:
        raise DockwiseError(
            f"{image} runs as root; the restricted Pod Security Standard refuses it",
            "add a numeric non-root USER to the image's final stage",
            exit_code=EXIT_USAGE,
        )
    chosen_port = port or facts.service_port()
    if chosen_port is None:
        raise DockwiseError(
            f"{image} exposes no TCP port", "EXPOSE the service port, or pass --port", exit_code=EXIT_USAGE
        )
    graceful = facts.labels.get(GRACEFUL_LABEL, "")
    return ServiceSpec(
        name=name or _dns_name(image),
        image=image,
        port=chosen_port,
        uid=facts.user.uid,
        gid=facts.user.gid if facts.user.gid is not None else facts.user.uid,
        health_path=health_path or facts.health_path() or "/",
        graceful_s=int(graceful) if graceful.isdigit() else DEFAULT_GRACEFUL_S,
        profile=profile,
        data_path=facts.labels.get(DATA_LABEL) or None,
    )


def _dns_name(image: str) -> str:
    """A DNS-1123 label from the image's repository name (`dockwise/webapp:standard` -> `webapp`)."""
    repository = image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
    label = re.sub(r"[^a-z0-9-]+", "-", repository.lower()).strip("-")[:63].strip("-")
    return label or "service"


def kubernetes(spec: ServiceSpec) -> list[dict]:
    """A Deployment and a Service (apps/v1, v1)."""
    memory = spec.profile.memory_bytes or 256 * MiB
    labels = {"app.kubernetes.io/name": spec.name}
    probe = {"httpGet": {"path": spec.health_path, "port": "http"}, "periodSeconds": 10, "timeoutSeconds": 3}
    mounts = [{"name": "tmp", "mountPath": "/tmp"}]
    container: dict[str, object] = {
        "name": spec.name,
        "image": spec.image,
        "ports": [{"name": "http", "containerPort": spec.port, "protocol": "TCP"}],
        "readinessProbe": {**probe, "initialDelaySeconds": 1, "failureThreshold": 3},
        "livenessProbe": {**probe, "initialDelaySeconds": 10, "failureThreshold": 3},
        "resources": {
            "requests": {"cpu": CPU_REQUEST, "memory": f"{memory // 2 // MiB}Mi"},
            "limits": {"cpu": CPU_LIMIT, "memory": f"{memory // MiB}Mi"},
        },
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": spec.uid,
            "runAsGroup": spec.gid,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": mounts,
    }
    volumes: list[dict] = [
        {"name": "tmp", "emptyDir": {"medium": "Memory", "sizeLimit": f"{spec.profile.tmpfs_bytes // MiB}Mi"}}
    ]
    if spec.data_path:
        # What the app writes. An emptyDir lives as long as the pod: claim a PersistentVolume for data that must last.
        mounts.append({"name": "data", "mountPath": spec.data_path})
        volumes.append({"name": "data", "emptyDir": {}})
    pod = {
        "automountServiceAccountToken": False,
        "terminationGracePeriodSeconds": spec.grace_period_s,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": spec.uid,
            "runAsGroup": spec.gid,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [container],
        "volumes": volumes,
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": spec.name, "labels": labels},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": pod},
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": spec.name, "labels": labels},
        "spec": {"selector": labels, "ports": [{"name": "http", "port": spec.port, "targetPort": "http"}]},
    }
    return [deployment, service]


def compose(spec: ServiceSpec, *, host_port: int | None = None) -> dict:
    """A compose.yaml document with one service under the run profile, published on 127.0.0.1 only."""
    profile = spec.profile
    service: dict[str, object] = {
        "image": spec.image,
        "ports": [f"127.0.0.1:{host_port or spec.port}:{spec.port}"],
        "restart": "unless-stopped",  # an OOM kill or a crash restarts it, as the Deployment would
        "stop_grace_period": f"{spec.grace_period_s}s",
    }
    if profile.read_only:
        service["read_only"] = True
    if profile.tmpfs:
        service["tmpfs"] = [f"{path}:{options}" for path, options in profile.tmpfs.items()]
    if profile.cap_drop:
        service["cap_drop"] = list(profile.cap_drop)
    if profile.no_new_privileges:
        service["security_opt"] = ["no-new-privileges:true"]
    if profile.pids_limit:
        service["pids_limit"] = profile.pids_limit
    if profile.memory_bytes:
        service["mem_limit"] = f"{profile.memory_bytes // MiB}m"
    service["user"] = f"{spec.uid}:{spec.gid}"
    document: dict[str, object] = {"services": {spec.name: service}}
    if spec.data_path:
        service["volumes"] = [f"data:{spec.data_path}"]
        document["volumes"] = {"data": {}}
    return document


def to_yaml(documents: list[dict] | dict) -> str:
    import yaml

    class Plain(yaml.SafeDumper):
        def ignore_aliases(self, data: object) -> bool:  # shared label dicts are written out, not as &anchors
            return True

    docs = documents if isinstance(documents, list) else [documents]
    return "---\n".join(yaml.dump(doc, Dumper=Plain, sort_keys=False, default_flow_style=False) for doc in docs)


def engine_options(deployment: dict) -> dict[str, object]:
    """The constraints of a Deployment's container as docker SDK `containers.create` options, so the image can be
    shown to serve under exactly what the manifest asks of the cluster."""
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    context = {**pod.get("securityContext", {}), **container.get("securityContext", {})}
    options: dict[str, object] = {"user": f"{context['runAsUser']}:{context.get('runAsGroup', context['runAsUser'])}"}
    if context.get("readOnlyRootFilesystem"):
        options["read_only"] = True
    if context.get("allowPrivilegeEscalation") is False:
        options["security_opt"] = ["no-new-privileges:true"]
    options["cap_drop"] = list(context.get("capabilities", {}).get("drop", []))
    memory = container.get("resources", {}).get("limits", {}).get("memory", "")
    if memory.endswith("Mi"):
        options["mem_limit"] = int(memory[:-2]) * MiB
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    options["tmpfs"] = {
        m["mountPath"]: "rw,nosuid,nodev"
        for m in container.get("volumeMounts", [])
        if "emptyDir" in volumes.get(m["name"], {})
    }
    return options
