"""For any valid service contract, every emitter says the same thing.

Each output is read back the way its consumer reads it — compose.yaml and the Kubernetes manifests with
`yaml.safe_load`, the Dockerfile tail with the `dockerfile` package (the Go grammar BuildKit uses) and BuildKit's
double-quote rules, the engine options as the docker SDK takes them — and reduced to the same constraints: user,
read-only root, capabilities, no-new-privileges, seccomp, pids, memory and swap, tmpfs, data volume, grace period,
health check, setup step. Every pair must agree, and agree with the contract.
"""

from __future__ import annotations

import ast
import json
import re
import urllib.parse
from dataclasses import dataclass

import dockerfile
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dockwise.core.errors import DockwiseError
from dockwise.service import labels
from dockwise.service.compose import compose_document, to_yaml
from dockwise.service.contract import ServiceContract, check_data_path, check_health_path
from dockwise.service.dockerfile import runtime_env, tail_lines
from dockwise.service.kubernetes import kubernetes_documents
from dockwise.service.profile import HARDENED, MiB, RunProfile
from dockwise.service.run_options import run_options
from dockwise.service.setup_once import SCOPES, once_command

PYTHON = "/opt/venv/bin/python"
NAME, IMAGE = "svc", "acme/svc:1"
UNSET = "unset"  # a constraint this target does not carry


@dataclass(frozen=True)
class Constraints:
    user: str
    read_only: bool
    cap_drop: tuple[str, ...]
    no_new_privileges: bool
    seccomp_default: bool
    pids: int | None
    memory: int | None
    memory_and_swap: int | None
    tmpfs: tuple[str, ...]
    data_path: str | None
    grace_period_s: int | str
    health: tuple[int, str] | str  # (port, path) the check asks
    setup: tuple[tuple[str, ...], str] | str | None  # (argv, scope) of the one-shot, None without one


def valid(check, value):
    try:
        check(value)
    except DockwiseError:
        return False
    return True


def texts(alphabet: str, max_size: int = 12):
    return st.text(alphabet=alphabet, min_size=1, max_size=max_size)


segments = texts("abcdefghijklmnopqrstuvwxyz0123456789._-~$'\"\\ :%")
paths = st.lists(segments, min_size=1, max_size=3).map(lambda parts: "/" + "/".join(parts))
health_paths = st.one_of(
    st.just("/"), st.from_regex(r"/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]{0,20}(\?[A-Za-z0-9=&$'%]{0,10})?", fullmatch=True)
).filter(lambda p: valid(check_health_path, p))
data_paths = st.one_of(st.none(), paths.filter(lambda p: valid(check_data_path, p)))
words = st.text(st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)), max_size=16)
setups = st.one_of(
    st.just(()),
    st.tuples(words.filter(bool)).flatmap(lambda first: st.lists(words, max_size=4).map(lambda rest: (*first, *rest))),
)
profiles = st.builds(
    RunProfile,
    name=st.just("generated"),
    read_only=st.booleans(),
    tmpfs=st.one_of(st.just({}), st.just(dict(HARDENED.tmpfs)), st.just({"/tmp": "rw,size=1m", "/run/app": "rw"})),
    cap_drop=st.sampled_from([(), ("ALL",)]),
    no_new_privileges=st.booleans(),
    pids_limit=st.one_of(st.none(), st.integers(1, 4096)),
    memory_bytes=st.one_of(st.none(), st.integers(6, 8192).map(lambda mib: mib * MiB)),
)
contracts = st.builds(
    ServiceContract,
    port=st.integers(1, 65535),
    health_path=health_paths,
    uid=st.integers(0, 2**31 - 1),
    gid=st.integers(0, 2**31 - 1),
    data_path=data_paths,
    graceful_s=st.integers(0, 3600),
    profile=st.one_of(st.just(HARDENED), profiles),
    setup=setups,
    setup_scope=st.sampled_from(SCOPES),
)


def asked(argv: list[str]) -> tuple[int, str]:
    """The port and path the health check's Python asks (read with ast, not a regex)."""
    assert argv[:2] == [PYTHON, "-c"]
    calls = [
        n for n in ast.walk(ast.parse(argv[2])) if isinstance(n, ast.Call) and ast.unparse(n.func).endswith("urlopen")
    ]
    text = ast.literal_eval(calls[0].args[0])
    url = urllib.parse.urlsplit(text)
    assert url.scheme == "http" and url.hostname == "127.0.0.1" and not url.fragment
    return url.port or 80, text.removeprefix(f"http://{url.netloc}")


def setup_of(command: list[str]) -> tuple[tuple[str, ...], str]:
    """The step and scope of a one-shot's argv, checked to be the setup-once runner's."""
    step = tuple(command[command.index("--") + 1 :])
    scope = command[3]
    assert command == once_command(step, scope, data_path=command[4])  # type: ignore[arg-type]
    return step, scope


def size(text: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([a-zA-Z]*)", text).groups()  # type: ignore[union-attr]
    return int(number) * {"m": MiB, "Mi": MiB, "": 1}[unit]


def from_run_options(options: dict) -> Constraints:
    security = options.get("security_opt", [])
    volumes = options.get("volumes", {})
    return Constraints(
        user=options["user"],
        read_only=options.get("read_only", False),
        cap_drop=tuple(options.get("cap_drop", ())),
        no_new_privileges="no-new-privileges:true" in security,
        seccomp_default=not any(s.startswith("seccomp") for s in security),
        pids=options.get("pids_limit"),
        memory=options.get("mem_limit"),
        memory_and_swap=options.get("memswap_limit"),
        tmpfs=tuple(options.get("tmpfs", {})),
        data_path=next((v["bind"] for v in volumes.values()), None),
        grace_period_s=UNSET,  # given to `docker stop`, not to create
        health=UNSET,  # the image's HEALTHCHECK
        setup=UNSET,  # the probes run the one-shot themselves
    )


def _literal(value):
    if isinstance(value, str):
        return value.replace("$$", "$")
    if isinstance(value, list):
        return [_literal(v) for v in value]
    return value


def from_compose(text: str) -> Constraints:
    document = yaml.safe_load(text)
    services = document["services"]
    app = services[NAME]
    security = app.get("security_opt", [])
    data = [v.split(":", 1)[1] for v in app.get("volumes", [])]
    if data:
        assert document["volumes"] == {"data": {}} and [v.split(":", 1)[0] for v in app["volumes"]] == ["data"]
    setup = None
    if f"{NAME}-setup" in services:
        one_shot = services[f"{NAME}-setup"]
        assert app["depends_on"] == {f"{NAME}-setup": {"condition": "service_completed_successfully"}}
        assert one_shot["restart"] == "no" and one_shot["image"] == app["image"]
        same = ("user", "read_only", "tmpfs", "cap_drop", "security_opt", "pids_limit", "mem_limit", "memswap_limit")
        assert {k: one_shot.get(k) for k in same} == {k: app.get(k) for k in same}
        assert one_shot.get("volumes") == app.get("volumes")
        setup = setup_of(_literal(one_shot["command"]))
    else:
        assert list(services) == [NAME] and "depends_on" not in app
    test = _literal(app["healthcheck"]["test"])
    assert test[0] == "CMD" and app["ports"] == [f"127.0.0.1:{asked(test[1:])[0]}:{asked(test[1:])[0]}"]
    return Constraints(
        user=app["user"],
        read_only=app.get("read_only", False),
        cap_drop=tuple(app.get("cap_drop", ())),
        no_new_privileges="no-new-privileges:true" in security,
        seccomp_default=not any(s.startswith("seccomp") for s in security),
        pids=app.get("pids_limit"),
        memory=size(app["mem_limit"]) if "mem_limit" in app else None,
        memory_and_swap=size(app["memswap_limit"]) if "memswap_limit" in app else None,
        tmpfs=tuple(entry.split(":", 1)[0] for entry in app.get("tmpfs", [])),
        data_path=data[0] if data else None,
        grace_period_s=int(app["stop_grace_period"].removesuffix("s")),
        health=asked(test[1:]),
        setup=setup,
    )


def from_kubernetes(text: str) -> Constraints:
    deployment, service = yaml.safe_load_all(text)
    pod = deployment["spec"]["template"]["spec"]
    [container] = pod["containers"]
    context = container["securityContext"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: volumes[m["name"]] for m in container["volumeMounts"]}
    resources = [c["resources"] for c in [*pod.get("initContainers", []), container]]
    # Kubernetes gives no swap to a Guaranteed pod (requests equal limits), whatever the node's swap behaviour.
    guaranteed = all(r["requests"] == r["limits"] for r in resources)
    memory = size(container["resources"]["limits"]["memory"]) if "memory" in container["resources"]["limits"] else None
    setup = None
    if "initContainers" in pod:
        [init] = pod["initContainers"]
        assert init["image"] == container["image"] and init["securityContext"] == context
        assert init["volumeMounts"] == container["volumeMounts"]
        setup = setup_of(init["command"])
    probe = container["readinessProbe"]["httpGet"]
    assert container["livenessProbe"]["httpGet"] == probe and probe["port"] == "http"
    [port] = [p["containerPort"] for p in container["ports"] if p["name"] == "http"]
    assert service["spec"]["ports"] == [{"name": "http", "port": port, "targetPort": "http"}]
    return Constraints(
        user=f"{context['runAsUser']}:{context['runAsGroup']}",
        read_only=context["readOnlyRootFilesystem"],
        cap_drop=tuple(context["capabilities"]["drop"]),
        no_new_privileges=context["allowPrivilegeEscalation"] is False,
        seccomp_default=context["seccompProfile"] == {"type": "RuntimeDefault"},
        pids=UNSET,  # a kubelet setting (podPidsLimit), not a pod field
        memory=memory,
        memory_and_swap=memory if guaranteed else None,
        tmpfs=tuple(path for path, v in mounts.items() if v.get("emptyDir", {}).get("medium") == "Memory"),
        data_path=next((path for path, v in mounts.items() if v["name"] == "data"), None),
        grace_period_s=pod["terminationGracePeriodSeconds"],
        health=(port, probe["path"]),
        setup=setup,
    )


def buildkit_unquote(word: str) -> str:
    """A double-quoted LABEL value as BuildKit's shell lexer reads it (frontend/dockerfile/shell/lex.go,
    processDoubleQuote): `\\` escapes `"`, `$` and itself and stays before anything else; a bare `$` would expand."""
    assert word.startswith('"') and word.endswith('"'), word
    out, body, i = [], word[1:-1], 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body) and body[i + 1] in '"$\\':
            out.append(body[i + 1])
            i += 2
            continue
        assert char not in '"$', f"an unescaped {char!r} in {word!r}"
        out.append(char)
        i += 1
    return "".join(out)


def from_dockerfile(text: str, contract: ServiceContract) -> dict:
    commands = {c.cmd: c for c in dockerfile.parse_string(text)}
    pairs = commands["LABEL"].value
    found = {pairs[i]: buildkit_unquote(pairs[i + 1]) for i in range(0, len(pairs), 2)}
    health = commands["HEALTHCHECK"]
    assert health.json and health.value[0] == "CMD"
    setup = json.loads(found[labels.SETUP]) if labels.SETUP in found else None
    return {
        "user": commands["USER"].value[0],
        "port": int(commands["EXPOSE"].value[0]),
        "health": asked(list(health.value[1:])),
        "graceful_s": int(found[labels.GRACEFUL_TIMEOUT]),
        "data_path": found.get(labels.DATA),
        "setup": (tuple(setup), found[labels.SETUP_SCOPE]) if setup is not None else None,
        "cmd": list(commands["CMD"].value) if commands["CMD"].json else None,
        "env": dict(zip(commands["ENV"].value[::2], commands["ENV"].value[1::2], strict=True)),
    }


def agree(a: Constraints, b: Constraints) -> None:
    for field in Constraints.__dataclass_fields__:
        x, y = getattr(a, field), getattr(b, field)
        if UNSET not in (x, y):
            assert x == y, (field, x, y)


@settings(deadline=None)  # YAML of the setup runner takes tens of ms; a loaded machine, hundreds
@given(contracts)
def test_every_emitter_yields_the_contracts_constraints(contract: ServiceContract):
    engine = from_run_options(run_options(contract, volume="vol"))
    compose = from_compose(to_yaml(compose_document(contract, name=NAME, image=IMAGE, health_python=PYTHON)))
    kubernetes = from_kubernetes(to_yaml(kubernetes_documents(contract, name=NAME, image=IMAGE)))
    profile = contract.profile
    expected = Constraints(
        user=f"{contract.uid}:{contract.gid}",
        read_only=profile.read_only,
        cap_drop=profile.cap_drop,
        no_new_privileges=profile.no_new_privileges,
        seccomp_default=True,
        pids=profile.pids_limit,
        memory=profile.memory_bytes,
        memory_and_swap=profile.memory_bytes,  # no swap beyond the limit, on every target
        tmpfs=tuple(profile.tmpfs),
        data_path=contract.data_path,
        grace_period_s=contract.grace_period_s,
        health=(contract.port, contract.health_path),
        setup=(contract.setup, contract.setup_scope) if contract.setup else None,
    )
    for emitted in (engine, compose, kubernetes):
        agree(expected, emitted)
    assert compose.grace_period_s > contract.graceful_s and kubernetes.grace_period_s > contract.graceful_s


@settings(deadline=None)
@given(contracts, st.lists(words.filter(bool), min_size=1, max_size=4))
def test_the_dockerfile_tail_carries_the_same_contract(contract: ServiceContract, command: list[str]):
    env = runtime_env(contract)
    text = "FROM scratch\n" + f"ENV PORT={env['PORT']}\n" + "\n".join(tail_lines(contract, command, python=PYTHON))
    read = from_dockerfile(text, contract)
    assert read["user"] == f"{contract.uid}:{contract.gid}" and read["port"] == contract.port
    assert read["health"] == (contract.port, contract.health_path) and read["env"] == {"PORT": str(contract.port)}
    assert read["graceful_s"] == contract.graceful_s and read["data_path"] == contract.data_path
    assert read["setup"] == ((contract.setup, contract.setup_scope) if contract.setup else None)
    assert read["cmd"] == command
    assert [c.cmd for c in dockerfile.parse_string(text)] == [
        "FROM",
        "ENV",
        "USER",
        "EXPOSE",
        "LABEL",
        "HEALTHCHECK",
        "CMD",
    ]


def test_the_readers_can_fail():
    """A compose service without memswap_limit, a Deployment whose requests differ from its limits, a one-shot that
    runs something else, a label value BuildKit would expand: each is seen."""
    contract = ServiceContract(8000, data_path="/data", setup=("flask", "init-db"))
    document = compose_document(ServiceContract(8000), name=NAME, image=IMAGE, health_python=PYTHON)
    del document["services"][NAME]["memswap_limit"]
    assert from_compose(to_yaml(document)).memory_and_swap is None
    deployment, service = kubernetes_documents(contract, name=NAME, image=IMAGE)
    deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["memory"] = "1Mi"
    assert from_kubernetes(to_yaml([deployment, service])).memory_and_swap is None
    document = compose_document(contract, name=NAME, image=IMAGE, health_python=PYTHON)
    document["services"][f"{NAME}-setup"]["command"][2] = "print('not the runner')"
    with pytest.raises(AssertionError):
        from_compose(to_yaml(document))
    with pytest.raises(AssertionError, match="unescaped"):
        buildkit_unquote('"$HOME"')
