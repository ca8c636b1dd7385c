"""Images for the slim tests: the reference service's distroless image, slimmed once per session, and tiny images
that are wrong in one way each. Everything carries the session's test label."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RUN_ID

APP_DIR = Path(__file__).resolve().parents[2] / "examples" / "webapp"
PROBES = APP_DIR / "slim-probes.toml"
LAZY_APP = '''"""The reference service plus routes no probe file of the tests asks for."""
import time

from web_app import app


@app.get("/lazy")
def lazy():
    import statistics  # stdlib; nothing else the server runs imports it

    from jinja2 import sandbox  # a module of a kept distribution that nothing else imports
    rendered = sandbox.SandboxedEnvironment().from_string("{{ 6 * 7 }}").render()
    return {"mean": statistics.mean([1, 2, 3, 4]), "rendered": rendered}


@app.get("/now")
def now():
    return {"ns": time.time_ns()}


@app.get("/stdlib")
def stdlib():
    import os

    return {"entries": sorted(os.listdir("/usr/lib/python3.13"))}  # a listing: slim keeps it as it reads


@app.get("/unseen")
def unseen():
    import os

    # Through /proc the trace cannot tell which image file is meant: a real difference once slimmed.
    return {"unseen": os.path.exists("/proc/self/root/srv/unseen.txt")}
'''


def build_tiny(
    tmp_path: Path, name: str, dockerfile: str, labels: dict[str, str], files: dict[str, str] | None = None
) -> str:
    from dockwise.engine.buildkit import BuildRequest, build_image

    context = tmp_path / name
    context.mkdir()
    (context / "Dockerfile").write_text(dockerfile)
    for relative, text in (files or {}).items():
        (context / relative).write_text(text)
    tag = f"dockwise-test/slim-{name}:{RUN_ID}"
    build_image(BuildRequest(context=context, dockerfile=context / "Dockerfile", tag=tag, labels=labels))
    return tag


@pytest.fixture(scope="session")
def distroless_app(engine, test_labels) -> str:
    from dockwise.jobs.build import BaseSource, build_app, ensure_local_bases

    tag = f"dockwise-test/slim-src:distroless-{RUN_ID}"
    build_app(
        APP_DIR, "distroless", tag=tag, source=BaseSource.LOCAL, labels=test_labels, ensure_bases=ensure_local_bases
    )
    return tag


@pytest.fixture(scope="session")
def slimmed(distroless_app, test_labels):
    from dockwise.jobs.slim import slim_image

    return slim_image(distroless_app, tag=f"dockwise-test/slim:{RUN_ID}", probe_file=PROBES, labels=test_labels)


@pytest.fixture(scope="session")
def lazy_app(distroless_app, test_labels, tmp_path_factory) -> str:
    dockerfile = (
        f"FROM {distroless_app}\nCOPY lazy_app.py /app/\nCOPY unseen.txt /srv/\n"
        'CMD ["/opt/venv/bin/granian", "--interface", "wsgi", "--host", "0.0.0.0", "--port", "5000", '
        '"--workers", "1", "lazy_app:app"]\n'
    )
    return build_tiny(
        tmp_path_factory.mktemp("lazy"),
        "lazy",
        dockerfile,
        test_labels,
        {"lazy_app.py": LAZY_APP, "unseen.txt": "a file no process opens by its own name\n"},
    )
