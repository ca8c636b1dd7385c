"""Each real fixture app end to end: `dockwise init` on a copy -> `dockwise lint` -> both variants build on
dockwise's local bases -> the container, run with compose.yaml's hardening (read-only root, no capabilities,
no-new-privileges, tmpfs /tmp, a volume on /data, pid and memory limits), serves the app's real pages, including a
write where the app has one -> `docker stop` exits 0 within 10 s."""

from __future__ import annotations

import http.cookiejar
import json
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from dockwise.deploy.manifests import image_contract
from dockwise.engine import containers as containers
from dockwise.image import collect
from dockwise.image.practices import judge
from dockwise.jobs.build import BaseSource, build_app, ensure_local_bases
from dockwise.jobs.build import variant as variant_of
from dockwise.pyapp.bases import BASES
from tests.conftest import RUN_ID
from tests.pyapp.helpers import copy_app, run_init

pytestmark = [pytest.mark.engine, pytest.mark.slow]


class Client:
    """HTTP on 127.0.0.1 with cookies (for logins), following redirects."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, **form: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path, data=urllib.parse.urlencode(form).encode()))

    def _open(self, request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")


def flaskr_pages(client: Client) -> None:
    assert client.get("/") == (200, client.get("/")[1]) and "Log In" in client.get("/")[1]
    status, page = client.post("/auth/register", username="dockwise", password="pw")
    assert status == 200 and "Log In" in page  # redirected to the login form
    status, page = client.post("/auth/login", username="dockwise", password="pw")
    assert status == 200 and "Log Out" in page
    status, _ = client.post("/create", title="written by dockwise " + RUN_ID, body="in a read-only container")
    assert status == 200
    assert "written by dockwise " + RUN_ID in client.get("/")[1]


def inspector_pages(client: Client) -> None:
    status, page = client.get("/")
    assert status == 200 and "Inspector" in page
    assert client.get("/_health/") == (200, "OK")
    status, page = client.get("/robots.txt")
    assert status == 200 and "Disallow: /" in page


def azure_pages(client: Client) -> None:
    status, page = client.get("/")
    assert status == 200 and "Welcome to Azure" in page
    status, page = client.post("/hello", name="dockwise")
    assert status == 200 and "Hello dockwise" in page


def django_skeleton_pages(client: Client) -> None:
    status, page = client.get("/")
    assert status == 200 and "The install worked successfully" in page
    status, page = client.get("/admin/login/")
    assert status == 200 and "Django administration" in page
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    # A login attempt reads the auth tables that `manage.py migrate` (the --setup step) wrote to /data.
    status, page = client.post("/admin/login/", csrfmiddlewaretoken=token, username="nobody", password="wrong")
    assert status == 200 and "Please enter the correct username and password" in page


@dataclass(frozen=True)
class Case:
    name: str
    pages: Callable[[Client], None]
    init_args: tuple[str, ...] = ()
    python: str = "3.13"
    unpinned: bool = True
    extra: dict = field(default_factory=dict)


CASES = [
    Case("flaskr", flaskr_pages, ("--setup", "flask --app flaskr init-db")),
    Case("inspector", inspector_pages, python="3.11", unpinned=False),
    Case("fastapi-quickstart", azure_pages, unpinned=False),  # pinned by us: see its SOURCE.md
    Case("flask-quickstart", azure_pages),
    Case("django-quickstart", azure_pages),
    Case("django-skeleton", django_skeleton_pages, ("--setup", "python manage.py migrate"), unpinned=False),
]


def lint(dockerfile: Path) -> list[dict]:
    result = subprocess.run(
        [sys.executable, "-m", "dockwise.cli", "lint", "--format", "json", str(dockerfile)],
        capture_output=True,
        text=True,
        cwd=dockerfile.parent,
    )
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout or "[]")


def hardened_options(service: dict, volume: str, variant: str) -> dict:
    """A compose.yaml service's settings, as docker run options (`$$` is Compose's escape of a literal `$`)."""
    options = {
        # compose.yaml names the standard image's user; its header says to use 65532 for the distroless one.
        "user": service["user"] if variant == "standard" else "65532:65532",
        "read_only": service["read_only"],
        "cap_drop": service["cap_drop"],
        "security_opt": service["security_opt"],
        "tmpfs": dict(entry.partition(":")[::2] for entry in service["tmpfs"]),
        "pids_limit": service["pids_limit"],
        "mem_limit": service["mem_limit"],
        "memswap_limit": service["memswap_limit"],
        "environment": {key: value.replace("$$", "$") for key, value in service.get("environment", {}).items()},
    }
    if "volumes" in service:
        options["volumes"] = {volume: {"bind": service["volumes"][0].split(":", 1)[1], "mode": "rw"}}
    return options


def run_setup(client, tag: str, compose: dict, volume: str, variant: str, labels: dict) -> None:
    """compose.yaml's one-shot setup service, as Compose runs it before the app: on the data volume, to exit 0."""
    [(name, service)] = [(k, v) for k, v in compose["services"].items() if k.endswith("-setup")]
    command = [word.replace("$$", "$") for word in service["command"]]
    container = client.containers.run(
        tag, command=command, detach=True, labels=labels, **hardened_options(service, volume, variant)
    )
    try:
        code = container.wait(timeout=300)["StatusCode"]
        assert code == 0, f"{name} exited {code}: {containers.log_tail(container)}"
    finally:
        container.remove(force=True)


def stops_cleanly(container) -> None:
    """`docker stop` ends the container with exit 0 within its 10 s grace period."""
    started = time.monotonic()
    container.stop(timeout=10)
    seconds = time.monotonic() - started
    container.reload()
    assert container.attrs["State"]["ExitCode"] == 0, containers.log_tail(container)
    assert seconds < 10, f"docker stop took {seconds:.1f} s"


def wait_until_up(client: Client, path: str, container, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if client.get(path)[0] < 400:
                return
        except OSError:
            pass
        container.reload()
        assert container.status not in ("exited", "dead"), containers.log_tail(container)
        time.sleep(0.2)
    raise AssertionError(f"never answered on {path}: {containers.log_tail(container)}")


@pytest.mark.parametrize("variant", ["standard", "distroless"])
@pytest.mark.parametrize("case", CASES, ids=[getattr(c, "values", [c])[0].name for c in CASES])
def test_app_end_to_end(case: Case, variant: str, tmp_path, docker_client, test_labels):
    app = copy_app(case.name, tmp_path)
    result = run_init(app, *case.init_args)
    assert result.exit_code == 0, result.output
    dockerfile = app / ("Dockerfile" if variant == "standard" else "Dockerfile.distroless")

    findings = lint(dockerfile)
    if case.unpinned:  # the app's own unpinned requirements, said by lint as the issue asks; nothing else
        assert {f["rule"] for f in findings} <= {"DW104"}, findings
    else:
        assert findings == [], findings

    tag = f"dockwise-test/{case.name}:{variant}-{RUN_ID}"
    built = build_app(
        app, variant, tag=tag, source=BaseSource.LOCAL, labels=test_labels, ensure_bases=ensure_local_bases
    )
    assert variant_of(app, variant).bases == BASES[case.python]  # the base follows the app's Python
    facts = collect(built.tag, gzip_size=False)
    failed = [v for v in judge(facts) if v.status != "pass"]
    assert not failed, failed  # all eight seed practices hold on the built image

    compose = yaml.safe_load((app / "compose.yaml").read_text())
    name, service = next(iter(compose["services"].items()))
    port = int(service["ports"][0].split(":")[-1])
    # What the image says of itself (deploy's reader) is what compose.yaml runs.
    contract = image_contract(facts, built.tag)
    assert (contract.port, contract.data_path) == (port, "/data" if "volumes" in service else None)
    assert contract.setup == tuple(case.init_args[1].split()) if case.init_args else not contract.setup
    assert (f"{name}-setup" in compose["services"]) == bool(contract.setup)
    volume = docker_client.volumes.create(f"dockwise-test-{case.name}-{variant}-{RUN_ID}", labels=test_labels)
    try:
        if contract.setup:
            run_setup(docker_client, tag, compose, volume.name, variant, test_labels)
        with containers.running(
            docker_client, tag, port=port, labels=test_labels, **hardened_options(service, volume.name, variant)
        ) as published:
            client = Client(published.host_port)
            wait_until_up(client, "/", published.container)
            case.pages(client)
            container = published.container
            container.reload()
            assert container.attrs["Config"]["User"] in ("10001:10001", "65532:65532")
            stops_cleanly(container)
    finally:
        volume.remove(force=True)


def test_resilience_suite_on_an_init_app(tmp_path, docker_client, test_labels):
    """The resilience suite `demo` runs, on a real app `init` prepared (flaskr: a factory, SQLite on /data, a
    setup step), distroless, hardened."""
    from dockwise.measure.runtime import run_resilience
    from dockwise.service.profile import HARDENED

    app = copy_app("flaskr", tmp_path)
    assert run_init(app, "--setup", "flask --app flaskr init-db").exit_code == 0
    built = build_app(
        app,
        "distroless",
        tag=f"dockwise-test/flaskr:resilience-{RUN_ID}",
        source=BaseSource.LOCAL,
        labels=test_labels,
        ensure_bases=ensure_local_bases,
    )
    suite = run_resilience(docker_client, built.tag, 8000, test_labels, "/", HARDENED, seconds=5)
    assert suite.sustained.load.socket_errors == 0 and suite.sustained.load.non_2xx == 0
    assert suite.worker_crash.replaced and suite.worker_crash.answers_after, suite.worker_crash.as_dict()
    assert suite.slow_clients.held, suite.slow_clients.as_dict()
    assert suite.malformed.held, [c for c in suite.malformed.cases if not c.ok]
    assert suite.stop.exit_code == 0 and suite.stop.lost == 0, suite.stop.as_dict()
    assert suite.idle_stop_seconds is not None and suite.idle_stop_seconds < 2


def test_slim_on_an_init_app(tmp_path, docker_client, test_labels):
    """`dockwise slim` on a real app `init` prepared: smaller, every probe answered as the original answers it."""
    from dockwise.jobs.slim import slim_image
    from dockwise.slim.report import demo_column

    app = copy_app("flaskr", tmp_path)
    assert run_init(app, "--setup", "flask --app flaskr init-db").exit_code == 0
    built = build_app(
        app,
        "distroless",
        tag=f"dockwise-test/flaskr:slim-source-{RUN_ID}",
        source=BaseSource.LOCAL,
        labels=test_labels,
        ensure_bases=ensure_local_bases,
    )
    column = demo_column(slim_image(built.tag, tag=f"dockwise-test/flaskr:slim-{RUN_ID}", labels=test_labels).report)
    assert column["probes_identical"] and column["probes"] >= 2
    assert column["size_bytes"] < 0.9 * column["source_size_bytes"]
    assert docker_client.images.get(f"dockwise-test/flaskr:slim-{RUN_ID}").id == column["id"]


def test_slim_traces_the_setup_step(tmp_path, docker_client, test_labels):
    """django-skeleton with `manage.py migrate` as its setup step: migrate loads every app's migrations, which the
    server never imports. slim traces the step's one-shot too, so the slim image's one-shot migrates a fresh volume
    and its service serves the admin login, which reads the tables migrate wrote."""
    from dockwise.jobs.slim import slim_image

    app = copy_app("django-skeleton", tmp_path)
    assert run_init(app, "--setup", "python manage.py migrate").exit_code == 0
    built = build_app(
        app,
        "distroless",
        tag=f"dockwise-test/django-skeleton:slim-source-{RUN_ID}",
        source=BaseSource.LOCAL,
        labels=test_labels,
        ensure_bases=ensure_local_bases,
    )
    slimmed = slim_image(built.tag, tag=f"dockwise-test/django-skeleton:slim-{RUN_ID}", labels=test_labels)
    assert slimmed.report.as_dict()["slim"]["size_bytes"] < 0.9 * slimmed.report.as_dict()["source"]["size_bytes"]
    with containers.running(docker_client, slimmed.tag, port=8000, labels=test_labels) as published:
        containers.wait_for_http_ok(published, "/")
        django_skeleton_pages(Client(published.host_port))


@pytest.mark.network
def test_a_uv_locked_app_builds_hash_pinned(tmp_path, docker_client, test_labels):
    """flaskr with a uv.lock made now (`uv lock`, PyPI): init installs what the lock pins, with --require-hashes,
    and both images serve."""
    import shutil

    app = copy_app("flaskr", tmp_path)
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    subprocess.run([uv, "lock", "--quiet"], cwd=app, check=True, timeout=300)
    assert run_init(app, "--setup", "flask --app flaskr init-db").exit_code == 0
    assert "--require-hashes" in (app / "Dockerfile").read_text()
    for variant in ("standard", "distroless"):
        built = build_app(
            app,
            variant,
            tag=f"dockwise-test/flaskr-uv:{variant}-{RUN_ID}",
            source=BaseSource.LOCAL,
            labels=test_labels,
            ensure_bases=ensure_local_bases,
        )
        with containers.running(docker_client, built.tag, port=8000, labels=test_labels) as published:
            containers.wait_for_http_ok(published, "/")
            assert Client(published.host_port).get("/auth/register")[0] == 200
