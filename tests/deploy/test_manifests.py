"""Kubernetes and Compose manifests from an image: valid against the Kubernetes schema, restricted Pod Security
Standard satisfied, values taken from the image; and the checkers themselves able to fail."""

from __future__ import annotations

import copy
import json

import kubernetes_validate
import pytest
import yaml
from click.testing import CliRunner

from dockwise.cli import main
from dockwise.core.errors import DockwiseError
from dockwise.deploy.manifests import dns_name, image_contract
from dockwise.deploy.pod_security import violations
from dockwise.service.compose import compose_document, to_yaml
from dockwise.service.kubernetes import kubernetes_documents
from tests.image.checks.helpers import F, image, layer

PASSWD = F("etc/passwd", b"root:x:0:0:root:/root:/sbin/nologin\napp:x:10001:10001::/nonexistent:/sbin/nologin\n")
HEALTH = {"Test": ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/up')"]}
KUBERNETES_VERSIONS = ("1.29.0", "1.33.0", kubernetes_validate.utils.latest_version())


@pytest.fixture(scope="module")
def service():
    facts = image(
        layer(PASSWD, F("app/app.py", b"x")),
        tags=("acme/shop-api:1.2",),
        User="10001",
        ExposedPorts={"8000/tcp": {}, "9000/tcp": {}},
        Healthcheck=HEALTH,
        Labels={"dockwise.graceful-timeout": "8"},
    )
    return image_contract(facts, "acme/shop-api:1.2")


def kubernetes(contract):
    return kubernetes_documents(contract, name=dns_name("acme/shop-api:1.2"), image="acme/shop-api:1.2")


def compose(contract):
    return compose_document(contract, name=dns_name("acme/shop-api:1.2"), image="acme/shop-api:1.2")


def test_values_come_from_the_image(service):
    assert (dns_name("acme/shop-api:1.2"), service.port, service.uid, service.health_path, service.grace_period_s) == (
        "shop-api",
        8000,
        10001,
        "/up",
        13,
    )


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_kubernetes_manifest_is_valid_for_the_schema(service, version):
    for document in yaml.safe_load_all(to_yaml(kubernetes(service))):
        kubernetes_validate.validate(document, version, strict=True)


def test_kubernetes_manifest_satisfies_the_restricted_profile(service):
    deployment, svc = kubernetes(service)
    pod = deployment["spec"]["template"]["spec"]
    assert violations(pod) == []
    container = pod["containers"][0]
    assert container["securityContext"]["runAsUser"] == 10001 and pod["terminationGracePeriodSeconds"] > 8
    assert container["readinessProbe"]["httpGet"]["path"] == "/up" and svc["spec"]["ports"][0]["port"] == 8000
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda c, p: c["securityContext"].update(allowPrivilegeEscalation=True), "allowPrivilegeEscalation"),
        (lambda c, p: c["securityContext"].update(privileged=True), "privileged"),
        (lambda c, p: c["securityContext"]["capabilities"].update(add=["SYS_ADMIN"]), "adds capabilities"),
        (lambda c, p: c["securityContext"]["capabilities"].update(drop=["NET_RAW"]), "do not drop ALL"),
        (lambda c, p: c["securityContext"].update(runAsUser=0), "runAsUser is 0"),
        (
            lambda c, p: (c["securityContext"].pop("runAsNonRoot"), p["securityContext"].pop("runAsNonRoot")),
            "runAsNonRoot",
        ),
        (
            lambda c, p: (c["securityContext"].pop("seccompProfile"), p["securityContext"].pop("seccompProfile")),
            "seccompProfile",
        ),
        (lambda c, p: p.update(hostNetwork=True), "hostNetwork"),
        (lambda c, p: p["volumes"].append({"name": "h", "hostPath": {"path": "/"}}), "hostPath"),
        (lambda c, p: c["ports"][0].update(hostPort=80), "hostPort"),
    ],
)
def test_the_restricted_checker_can_fail(service, mutate, expected):
    pod = copy.deepcopy(kubernetes(service)[0]["spec"]["template"]["spec"])
    mutate(pod["containers"][0], pod)
    assert any(expected in v for v in violations(pod)), violations(pod)


def test_the_schema_check_can_fail(service):
    deployment = copy.deepcopy(kubernetes(service)[0])
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[-1], strict=True)


def test_compose_runs_the_service_hardened_on_loopback(service):
    [(name, svc)] = compose(service)["services"].items()
    assert name == "shop-api" and svc["ports"] == ["127.0.0.1:8000:8000"] and svc["user"] == "10001:10001"
    assert svc["read_only"] is True and svc["cap_drop"] == ["ALL"] and svc["security_opt"] == ["no-new-privileges:true"]
    assert any(entry.startswith("/tmp:") for entry in svc["tmpfs"]) and svc["pids_limit"] and svc["mem_limit"]
    assert svc["memswap_limit"] == svc["mem_limit"]  # no swap beyond the limit the probes ran under


@pytest.mark.parametrize(
    "config, cause",
    [
        ({"ExposedPorts": {"8000/tcp": {}}}, "runs as root"),
        ({"User": "10001"}, "exposes no TCP port"),
        ({"User": "ghost", "ExposedPorts": {"8000/tcp": {}}}, "does not resolve"),
        ({"User": "10001", "ExposedPorts": {"99999/tcp": {}}}, "exposes no TCP port"),
        ({"User": "10001", "ExposedPorts": {"8000/tcp": {}}, "Labels": {"dockwise.data": "/etc:rw"}}, "dockwise.data"),
        ({"User": "10001", "ExposedPorts": {"8000/tcp": {}}, "Labels": {"dockwise.data": "/etc"}}, "system directory"),
        ({"User": "10001", "ExposedPorts": {"8000": {}}, "Labels": {"dockwise.graceful-timeout": "9e9"}}, "graceful"),
        ({"User": "10001", "ExposedPorts": {"8000/tcp": {}}, "Labels": {"dockwise.setup": "rm -rf /"}}, "JSON"),
    ],
)
def test_an_image_that_cannot_run_restricted_is_refused(config, cause):
    facts = image(layer(PASSWD), **config)
    with pytest.raises(DockwiseError) as error:
        image_contract(facts, "acme/x:1")
    assert cause in error.value.cause and error.value.exit_code == 2


def test_an_exposed_port_without_protocol_is_the_service_port():
    facts = image(layer(PASSWD), User="10001", ExposedPorts={"8000": {}, "53/udp": {}})
    assert image_contract(facts, "acme/x:1").port == 8000


def test_the_setup_label_becomes_an_init_container_on_the_data_volume():
    labels = {"dockwise.data": "/data", "dockwise.setup": '["flask", "init-db"]', "dockwise.setup-scope": "volume"}
    facts = image(layer(PASSWD), User="10001", ExposedPorts={"8000/tcp": {}}, Labels=labels)
    contract = image_contract(facts, "acme/x:1")
    pod = kubernetes_documents(contract, name="x", image="acme/x:1")[0]["spec"]["template"]["spec"]
    [init] = pod["initContainers"]
    assert init["command"][-3:] == ["--", "flask", "init-db"] and "volume" in init["command"]
    assert {"name": "data", "mountPath": "/data"} in init["volumeMounts"] and violations(pod) == []


def test_deploy_command_writes_the_manifest(tmp_path):
    from tests.image.archives import docker_save, image_config

    layers = [layer(PASSWD)]
    config = image_config(layers, User="10001", ExposedPorts={"8000/tcp": {}})
    archive = docker_save(layers, config, ("acme/api:2",)).write_tar(tmp_path / "image.tar")
    out = tmp_path / "k8s.yaml"
    result = CliRunner().invoke(main, ["deploy", str(archive), "--format", "kubernetes", "-o", str(out)])
    assert result.exit_code == 0, result.output
    kinds = [doc["kind"] for doc in yaml.safe_load_all(out.read_text())]
    assert kinds == ["Deployment", "Service"]
    root = CliRunner().invoke(
        main,
        [
            "deploy",
            str(
                docker_save(layers, image_config(layers, ExposedPorts={"8000/tcp": {}})).write_tar(
                    tmp_path / "root.tar"
                )
            ),
        ],
    )
    assert root.exit_code == 2 and "runs as root" in root.output
    port = CliRunner().invoke(main, ["deploy", str(archive), "--port", "99999"])
    assert port.exit_code == 2 and "99999" in port.output
    name = CliRunner().invoke(
        main, ["deploy", str(archive), "--format", "compose", "--name", "api\n  privileged: true"]
    )
    assert name.exit_code == 2 and "not a DNS label" in name.output and "Traceback" not in name.output
    assert json.dumps(kinds)
