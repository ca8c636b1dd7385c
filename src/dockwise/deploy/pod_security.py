"""The Kubernetes Pod Security Standards' "restricted" profile as checks over a pod spec (kubernetes.io/docs/concepts/
security/pod-security-standards, the baseline controls included), so that `dockwise deploy` can prove its own output.
"""

from __future__ import annotations

from collections.abc import Iterator

RESTRICTED_VOLUMES = frozenset(
    {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"}
)
BASELINE_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)
SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    }
)
VOLUME_KEYS_IGNORED = frozenset({"name"})


def violations(pod: dict) -> list[str]:
    """Every way `pod` (a PodSpec) breaks the restricted profile; empty when it satisfies it."""
    return list(_violations(pod))


def _violations(pod: dict) -> Iterator[str]:
    context = pod.get("securityContext") or {}
    containers = [
        *(pod.get("initContainers") or []),
        *(pod.get("containers") or []),
        *(pod.get("ephemeralContainers") or []),
    ]
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(key):
            yield f"{key} is true"
    for volume in pod.get("volumes") or []:
        kinds = set(volume) - VOLUME_KEYS_IGNORED
        if "hostPath" in kinds:
            yield f"volume {volume.get('name')!r} is a hostPath"
        elif not kinds <= RESTRICTED_VOLUMES:
            yield f"volume {volume.get('name')!r} is of a type the restricted profile does not allow: {sorted(kinds)}"
    for sysctl in context.get("sysctls") or []:
        if sysctl.get("name") not in SAFE_SYSCTLS:
            yield f"sysctl {sysctl.get('name')!r} is not in the safe set"
    for container in containers:
        name = container.get("name", "?")
        own = container.get("securityContext") or {}

        def setting(key: str, own: dict = own):
            return own[key] if key in own else context.get(key)

        if own.get("privileged"):
            yield f"container {name}: privileged"
        if own.get("allowPrivilegeEscalation") is not False:
            yield f"container {name}: allowPrivilegeEscalation is not false"
        if setting("runAsNonRoot") is not True:
            yield f"container {name}: runAsNonRoot is not true"
        if setting("runAsUser") == 0:
            yield f"container {name}: runAsUser is 0"
        seccomp = (setting("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            yield f"container {name}: seccompProfile is {seccomp or 'unset'}, not RuntimeDefault or Localhost"
        capabilities = own.get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            yield f"container {name}: capabilities do not drop ALL"
        added = set(capabilities.get("add") or [])
        if added - {"NET_BIND_SERVICE"}:
            yield f"container {name}: adds capabilities {sorted(added - {'NET_BIND_SERVICE'})}"
        if added - BASELINE_CAPABILITIES:
            yield f"container {name}: adds capabilities beyond the baseline set"
        for port in container.get("ports") or []:
            if port.get("hostPort"):
                yield f"container {name}: hostPort {port['hostPort']}"
        if (own.get("procMount") or "Default") != "Default":
            yield f"container {name}: procMount {own['procMount']}"
        apparmor = (setting("appArmorProfile") or {}).get("type")
        if apparmor == "Unconfined":
            yield f"container {name}: AppArmor unconfined"
        selinux = setting("seLinuxOptions") or {}
        if (
            selinux.get("type")
            not in (None, "", "container_t", "container_init_t", "container_kvm_t", "container_engine_t")
            or selinux.get("user")
            or selinux.get("role")
        ):
            yield f"container {name}: SELinux options beyond the allowed types"
