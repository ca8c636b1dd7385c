"""The image checks' docstring examples built for real by BuildKit: each anti-pattern image triggers its check and
each best-practice image does not, exactly as with the test builder the fast tier uses."""

from __future__ import annotations

import pytest

from dockwise.core.rules import all_rules, example_bytes
from dockwise.engine.buildkit import BuildRequest, build_image
from dockwise.image import collect
from dockwise.image.checks import run_checks
from tests.image.example_images import example_image

EXAMPLES = [(r, e) for r in all_rules("image") for e in r.examples()]
ENGINE_CANNOT = {
    ("DI005", True): "BuildKit 0.8 (Engine 20.10) drops setuid/setgid bits from COPY --chmod; "
    "test_bases.py sees DI005 on the slim base's real setuid files",
}


@pytest.mark.engine
@pytest.mark.parametrize(
    "rule, example", EXAMPLES, ids=lambda v: v.id if hasattr(v, "id") else ("bad" if v.bad else "good")
)
def test_example_built_by_buildkit(rule, example, tmp_path, docker_client, test_labels):
    if (rule.id, example.bad) in ENGINE_CANNOT:
        pytest.skip(ENGINE_CANNOT[rule.id, example.bad])
    for path, content in example.context:
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(example_bytes(content))
    (tmp_path / "Dockerfile").write_text(example.dockerfile)
    tag = f"dockwise-test/example-{rule.id.lower()}:{'bad' if example.bad else 'good'}"
    build_image(BuildRequest(context=tmp_path, dockerfile=tmp_path / "Dockerfile", tag=tag, labels=test_labels))
    real = {f.rule for f in run_checks(collect(tag, gzip_size=False), rules=[rule])}
    assert (rule.id in real) is example.bad, f"{rule.id} on the BuildKit image of:\n{example.dockerfile}"
    assert real == {f.rule for f in run_checks(example_image(example), rules=[rule])}
