"""compare_images: facts, findings and verdicts per image; metrics with ratios against the first image."""

from __future__ import annotations

import json

import pytest

from dockwise.core.errors import DockwiseError
from dockwise.jobs.compare import compare_images


def test_metrics_ratios_are_against_the_first_image(comparison):
    size = next(m for m in comparison.metrics() if m.key == "size_bytes")
    assert size.values[0] > size.values[1]
    assert size.ratios() == (1.0, round(size.values[1] / size.values[0], 3))
    assert not any(m.key.startswith("startup") for m in comparison.metrics())  # no runtime, no runtime rows


def test_verdicts_follow_the_facts(comparison):
    standard, distroless = ({v.practice: v.status for v in image.verdicts} for image in comparison.images)
    assert standard == {
        "minimal-base": "pass",
        "workdir": "pass",
        "only-needed-files": "pass",
        "dockerignore": "fail",
        "no-pip-cache": "fail",
        "expose": "fail",
        "exec-form": "fail",
        "non-root": "fail",
    }
    assert set(distroless.values()) == {"pass"}


def test_as_dict_is_json_with_stable_keys(comparison):
    data = json.loads(json.dumps(comparison.as_dict()))
    assert set(data) == {"generated", "images", "metrics"}
    assert set(data["images"][0]) == {"name", "reference", "facts", "findings", "verdicts", "runtime", "runtime_note"}
    assert data["images"][1]["name"] == "demo/web:distroless"


def test_runtime_probes_skip_archives_with_a_note(comparison):
    archive = comparison.images[0].facts.reference
    [image] = compare_images([archive], runtime=True, runs=1, load_seconds=0).images
    assert image.runtime is None and "archive" in image.runtime_note


def test_no_images_is_a_usage_error():
    with pytest.raises(DockwiseError) as caught:
        compare_images([])
    assert caught.value.exit_code == 2
