"""`dockwise slim` end to end: real images, real containers, real HTTP on 127.0.0.1."""

from __future__ import annotations

import http.client
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dockwise.core.errors import DockwiseError
from tests.conftest import RUN_ID
from tests.slim.conftest import PROBES, build_tiny

pytestmark = pytest.mark.engine

DISTROLESS_NONROOT = "dockwise/distroless-python3-debian13:nonroot"
DISTROLESS_ROOT = "dockwise/distroless-python3-debian13:latest"


def _get(client, image: str, path: str, labels: dict[str, str]) -> tuple[int, bytes]:
    from dockwise.engine import containers

    port = containers.exposed_tcp_port(client, image)
    with containers.running(client, image, port=port, labels=labels, hostname="dockwise-slim") as published:
        containers.wait_for_http_ok(published, "/healthz")
        connection = http.client.HTTPConnection("127.0.0.1", published.host_port, timeout=10)
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()


def _left_behind(client, *images: str) -> list:
    return [c for image in images for c in client.containers.list(all=True, filters={"ancestor": image})]


def _tagged(client, tag: str) -> bool:
    from docker.errors import ImageNotFound

    try:
        client.images.get(tag)
    except ImageNotFound:
        return False
    return True


def test_reference_service_slims_and_answers_the_same(slimmed, distroless_app, docker_client) -> None:
    report = slimmed.report.as_dict()
    assert report["probes"] and all(p["identical"] for p in report["probes"]), report["probes"]
    assert {p["name"] for p in report["probes"]} >= {"health GET /healthz", "GET /", "info", "digest", "not found"}
    assert report["healthcheck"]["original_exit"] == report["healthcheck"]["slim_exit"] == 0
    assert report["slim"]["size_bytes"] < report["source"]["size_bytes"]
    assert all(p["slim"] in ("pass", "partial") or p["original"] == "fail" for p in report["practices"])
    assert set(report["checks"]["slim"]) <= set(report["checks"]["original"])
    slim = docker_client.images.get(slimmed.tag)
    assert slim.id == slimmed.image_id
    original_config = docker_client.images.get(distroless_app).attrs["Config"]
    config = slim.attrs["Config"]
    for key in ("User", "WorkingDir", "Env", "ExposedPorts", "Cmd", "Entrypoint", "Healthcheck"):
        assert config.get(key) == original_config.get(key), key
    assert config["Labels"]["org.opencontainers.image.base.name"] == distroless_app
    assert config["Labels"]["org.opencontainers.image.base.digest"] == docker_client.images.get(distroless_app).id
    assert {
        k: v for k, v in config["Labels"].items() if not k.startswith("org.opencontainers.image.base.")
    } == original_config["Labels"]
    kinds = {item["reason"] for item in report["kept"]}
    assert {"traced", "needed", "python", "metadata", "runtime", "app"} <= kinds
    assert report["trace"]["python_interpreters"] and report["trace"]["mapped_files"] > 5


def test_report_hooks_for_demo_and_text(slimmed) -> None:
    from dockwise.slim.report import demo_column, render_text

    column = demo_column(slimmed.report)
    assert column["image"] == slimmed.tag and column["probes_identical"] is True
    assert column["size_bytes"] < column["source_size_bytes"]
    text = render_text(slimmed.report)
    assert "info" in text and "HEALTHCHECK command" in text and " NO" not in text


def test_cli_tags_and_writes_the_report(distroless_app, docker_client, tmp_path: Path) -> None:
    from dockwise.cli import main

    tag = f"dockwise-test/slim:{RUN_ID}-cli"
    report = tmp_path / "slim.json"
    try:
        result = CliRunner().invoke(
            main, ["slim", distroless_app, "--tag", tag, "--probe", str(PROBES), "--report-json", str(report)]
        )
        assert result.exit_code == 0, result.output
        data = json.loads(report.read_text())
        assert data["slim"]["tag"] == tag and docker_client.images.get(tag).id == data["slim"]["id"]
        assert tag in result.output and "kept because" in result.output
    finally:
        if _tagged(docker_client, tag):
            docker_client.images.remove(tag, force=True)


def test_sbom_of_the_slim_image_lists_exactly_what_is_left(slimmed, distroless_app, docker_client, test_labels) -> None:
    from dockwise.cli import main
    from dockwise.slim.rootfs import exported

    result = CliRunner().invoke(main, ["sbom", slimmed.tag])
    assert result.exit_code == 0, result.output
    components = json.loads(result.output)["components"]
    sbom_debs = {c["name"] for c in components if c["purl"].startswith("pkg:deb/")}
    sbom_dists = {c["name"] for c in components if c["purl"].startswith("pkg:pypi/")}
    with (
        exported(docker_client, distroless_app, test_labels) as original,
        exported(docker_client, slimmed.tag, test_labels) as slim,
    ):
        slim_files = {p for p in slim.members if slim.is_file(p) or slim.kind(p) == "l"}
        owners: dict[str, set[str]] = {}
        for name in original.listdir("var/lib/dpkg/status.d"):
            if name.endswith(".md5sums"):
                for line in (original.read_text(f"var/lib/dpkg/status.d/{name}") or "").splitlines():
                    path = original.resolve(line.split(None, 1)[1])
                    if path:
                        owners.setdefault(name.removesuffix(".md5sums"), set()).add(path)
        with_files_left = {pkg for pkg, paths in owners.items() if paths & slim_files}
        assert sbom_debs == with_files_left
        for package in sbom_debs:
            assert slim.is_file(f"var/lib/dpkg/status.d/{package}")
            assert slim.resolve(f"usr/share/doc/{package}/copyright") is not None
        site = "opt/venv/lib/python3.13/site-packages"
        dist_infos = {n for n in slim.listdir(site) if n.endswith(".dist-info")}
        assert len(dist_infos) == len(sbom_dists) > 0
        packages = {n for n in slim.listdir(site) if not n.endswith(".dist-info") and n != "__pycache__"}
        recorded = set()
        for info in dist_infos:
            record = slim.read_text(f"{site}/{info}/RECORD") or ""
            recorded |= {line.split("/", 1)[0].split(",", 1)[0] for line in record.splitlines()}
        assert packages <= recorded  # every importable package left belongs to a distribution the SBOM lists


def test_same_input_same_image(slimmed, distroless_app, test_labels) -> None:
    from dockwise.jobs.slim import slim_image

    again = slim_image(distroless_app, tag=f"dockwise-test/slim:{RUN_ID}-again", probe_file=PROBES, labels=test_labels)
    assert again.image_id == slimmed.image_id


def test_a_lazily_imported_route_no_probe_asks_still_works(lazy_app, docker_client, test_labels) -> None:
    from dockwise.jobs.slim import slim_image

    result = slim_image(lazy_app, tag=f"dockwise-test/slim-lazy:{RUN_ID}-slim", labels=test_labels)
    assert "/lazy" not in {p["path"] for p in result.report.as_dict()["probes"]}
    reasons = {item["path"]: item["detail"] for item in result.report.as_dict()["kept"]}
    assert "imported by /app/lazy_app.py" in reasons["/usr/lib/python3.13/statistics.py"]
    expected = _get(docker_client, lazy_app, "/lazy", test_labels)
    assert expected[0] == 200
    assert _get(docker_client, result.tag, "/lazy", test_labels) == expected

    narrow = slim_image(lazy_app, tag=f"dockwise-test/slim-lazy:{RUN_ID}-narrow", only_traced=True, labels=test_labels)
    left_out = narrow.report.as_dict()["left_out_by_only_traced_modules"]
    assert "/usr/lib/python3.13/statistics.py" in left_out  # the trade-off, named in the report
    assert narrow.report.as_dict()["slim"]["size_bytes"] < result.report.as_dict()["slim"]["size_bytes"]


def test_an_answer_that_changes_each_time_may_change_in_the_slim_image(
    lazy_app, docker_client, test_labels, tmp_path: Path
) -> None:
    """/now answers a new timestamp each time: the original's own two answers show the field is volatile."""
    from dockwise.jobs.slim import slim_image

    probes = tmp_path / "probes.toml"
    probes.write_text('[[probe]]\nname = "now"\npath = "/now"\nstatus = 200\n')
    result = slim_image(lazy_app, tag=f"dockwise-test/slim-lazy:{RUN_ID}-now", probe_file=probes, labels=test_labels)
    assert _tagged(docker_client, result.tag)


def test_a_directory_python_lists_reads_the_same_in_the_slim_image(
    lazy_app, docker_client, test_labels, tmp_path: Path
) -> None:
    """/stdlib lists the standard library's directory: its entries stay, as they were (no module turned bytecode)."""
    from dockwise.jobs.slim import slim_image

    probes = tmp_path / "probes.toml"
    probes.write_text('[[probe]]\nname = "stdlib"\npath = "/stdlib"\nstatus = 200\n')
    result = slim_image(lazy_app, tag=f"dockwise-test/slim-lazy:{RUN_ID}-stdlib", probe_file=probes, labels=test_labels)
    assert _get(docker_client, result.tag, "/stdlib", test_labels) == _get(
        docker_client, lazy_app, "/stdlib", test_labels
    )


def test_a_difference_fails_in_one_line_and_tags_nothing(lazy_app, docker_client, test_labels, tmp_path: Path) -> None:
    from dockwise.jobs.slim import slim_image

    probes = tmp_path / "probes.toml"
    probes.write_text('[[probe]]\nname = "unseen"\npath = "/unseen"\nstatus = 200\n')
    tag = f"dockwise-test/slim-lazy:{RUN_ID}-unseen"
    assert _get(docker_client, lazy_app, "/unseen", test_labels) == (200, b'{"unseen":true}\n')
    with pytest.raises(DockwiseError) as caught:
        slim_image(lazy_app, tag=tag, probe_file=probes, labels=test_labels)
    line = caught.value.one_line()
    assert caught.value.exit_code == 1 and "probe 'unseen'" in line and "differs at byte" in line and "\n" not in line
    assert not _tagged(docker_client, tag)
    assert not docker_client.images.list(
        filters={"label": f"org.opencontainers.image.base.name={lazy_app}", "dangling": True}
    )
    assert _left_behind(docker_client, lazy_app) == []


BAD = {
    "does not start": ('FROM {nonroot}\nEXPOSE 5000\nCMD ["-c", "raise SystemExit(3)"]\n', "exited (code 3)"),
    "never answers": ('FROM {nonroot}\nEXPOSE 5000\nCMD ["-c", "import time; time.sleep(60)"]\n', "never answered"),
    "not python": (
        'FROM scratch\nCOPY probes.toml /srv/\nUSER 1000\nEXPOSE 80\nCMD ["/srv/app"]\n',
        "not a Python image",
    ),
    "no port": (None, "exposes no TCP port"),
    "root": (None, "runs as root"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_error_exit_2_nothing_left(
    case: str, engine, docker_client, test_labels, tmp_path: Path
) -> None:
    from dockwise.jobs.slim import slim_image

    dockerfile, words = BAD[case]
    probes = tmp_path / "probes.toml"
    probes.write_text("startup_timeout = 4\n")
    if dockerfile is None:
        image = DISTROLESS_NONROOT if case == "no port" else DISTROLESS_ROOT
    else:
        image = build_tiny(
            tmp_path,
            case.replace(" ", "-"),
            dockerfile.format(nonroot=DISTROLESS_NONROOT),
            test_labels,
            {"probes.toml": "startup_timeout = 4\n"},
        )
    tag = f"dockwise-test/slim-bad:{RUN_ID}-{case.replace(' ', '-')}"
    with pytest.raises(DockwiseError) as caught:
        slim_image(image, tag=tag, probe_file=probes, labels=test_labels)
    assert caught.value.exit_code == 2 and words in caught.value.one_line()
    assert not _tagged(docker_client, tag)
    assert _left_behind(docker_client, image) == []


def _cut_short(traced_run, times: int):
    """traced_run, but the first `times` traces lose their first process's exit (as a loaded machine once did)."""
    import dataclasses

    calls = {"n": 0}

    def run(*args, **kwargs):
        (trace, *setup), result = traced_run(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] <= times:
            first, *rest = trace.processes
            trace = dataclasses.replace(trace, processes=(dataclasses.replace(first, exit=None), *rest))
        return (trace, *setup), result

    return run


def test_an_incomplete_trace_is_traced_again_and_said(lazy_app, docker_client, test_labels, monkeypatch) -> None:
    import dockwise.jobs.slim as job
    from dockwise.slim.trace import TraceLost

    real = job.traced_run
    monkeypatch.setattr(job, "traced_run", _cut_short(real, 1))
    result = job.slim_image(lazy_app, tag=f"dockwise-test/slim-lazy:{RUN_ID}-retried", labels=test_labels)
    assert any(note.startswith("traced run 1 was incomplete") for note in result.report.as_dict()["notes"])

    monkeypatch.setattr(job, "traced_run", _cut_short(real, 2))
    tag = f"dockwise-test/slim-lazy:{RUN_ID}-lost"
    with pytest.raises(TraceLost):
        job.slim_image(lazy_app, tag=tag, labels=test_labels)
    assert not _tagged(docker_client, tag) and _left_behind(docker_client, lazy_app) == []


def test_a_tag_naming_the_source_is_refused(lazy_app, docker_client, test_labels) -> None:
    from dockwise.jobs.slim import slim_image

    source_id = docker_client.images.get(lazy_app).id
    with pytest.raises(DockwiseError) as caught:
        slim_image(lazy_app, tag=lazy_app, labels=test_labels)
    assert caught.value.exit_code == 2 and "names" in caught.value.one_line()
    assert docker_client.images.get(lazy_app).id == source_id


def test_cli_bad_input_exit_2(engine) -> None:
    from dockwise.cli import main

    result = CliRunner().invoke(main, ["slim", DISTROLESS_ROOT])
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "runs as root" in errors[0]
