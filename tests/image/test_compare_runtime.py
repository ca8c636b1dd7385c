"""compare with runtime probes: a real container per image, published on 127.0.0.1 and removed afterwards."""

from __future__ import annotations

import subprocess

import pytest

from dockwise.jobs.compare import compare_images

pytestmark = [pytest.mark.engine, pytest.mark.slow]


@pytest.fixture(scope="module")
def http_image(docker_client, test_labels, tmp_path_factory):
    from docker.errors import ImageNotFound

    from dockwise.engine.client import cli_client

    try:
        docker_client.images.get("dockwise/python:3.13-slim")
    except ImageNotFound:
        pytest.fail("dockwise/python:3.13-slim is not in the engine: run `dockwise base` (make test does)")
    context = tmp_path_factory.mktemp("http")
    (context / "index.html").write_text("ok\n")
    (context / "Dockerfile").write_text(
        "FROM dockwise/python:3.13-slim\nWORKDIR /srv\nCOPY index.html /srv/\nUSER 65534\nEXPOSE 8000\n"
        'CMD ["python3", "-m", "http.server", "8000", "--bind", "0.0.0.0"]\n'
    )
    tag = f"dockwise-test/compare-http:{test_labels['dockwise.test']}"
    cli = cli_client()
    labels = [arg for key, value in test_labels.items() for arg in ("--label", f"{key}={value}")]
    subprocess.run(
        [*cli.build_command(), "-q", "-t", tag, *labels, str(context)], env=cli.env(), check=True, capture_output=True
    )
    return tag


def test_runtime_probes_fill_the_runtime_rows_and_refine_non_root(docker_client, http_image, test_labels):
    comparison = compare_images([http_image], runtime=True, runs=2, load_seconds=0.5, labels=test_labels)
    [image] = comparison.images
    assert image.runtime_note == "measured"
    assert image.runtime["running_uid"] == 65534 and image.runtime["exec_sh_refused"] is False
    assert image.runtime["startup_ms"]["median"] > 0 and image.runtime["port"] == 8000
    rows = {metric.key: metric.values[0] for metric in comparison.metrics()}
    assert rows["running_uid"] == 65534 and rows["startup_ms_median"] > 0 and rows["requests_per_s"] > 0
    verdict = next(v for v in image.verdicts if v.practice == "non-root")
    assert verdict.status == "pass" and "measured" in verdict.evidence
    leftovers = docker_client.containers.list(all=True, filters={"ancestor": http_image})
    assert leftovers == []
