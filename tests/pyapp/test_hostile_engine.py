"""Issue 19 on the real engine: a Procfile that binds 127.0.0.1 on another port than the image's, and an upload
folder outside /app. init moves the bind to 0.0.0.0 and EXPOSEs the Procfile's port, and makes the upload folder a
link into the /data volume in the final image (not only the builder): the container, run with compose.yaml's
hardening, answers from outside and keeps an upload across a restart on the same volume."""

from __future__ import annotations

import pytest
import yaml

from dockwise.engine import containers as containers
from dockwise.jobs.build import BaseSource, build_app, ensure_local_bases
from tests.conftest import RUN_ID
from tests.pyapp.helpers import copy_app, run_init
from tests.pyapp.test_apps_engine import Client, hardened_options, wait_until_up

pytestmark = [pytest.mark.engine, pytest.mark.slow]

UPLOADS = """

UPLOAD_FOLDER = "/srv/uploads"


@app.route("/upload/<name>", methods=["POST"])
def upload(name):
    with open(os.path.join(UPLOAD_FOLDER, name), "w") as handle:
        handle.write(request.form["text"])
    return "stored"


@app.route("/upload/<name>")
def uploaded(name):
    return send_from_directory(UPLOAD_FOLDER, name)
"""


@pytest.mark.parametrize("variant", ["standard", "distroless"])
def test_loopback_procfile_and_upload_folder_outside_app(variant, tmp_path, docker_client, test_labels):
    app = copy_app("flask-quickstart", tmp_path)
    source = (
        (app / "app.py").read_text().replace("\nif __name__ == '__main__':", UPLOADS + "\nif __name__ == '__main__':")
    )
    (app / "app.py").write_text(source)
    (app / "Procfile").write_text("web: gunicorn --bind 127.0.0.1:5000 app:app\n")
    result = run_init(app)
    assert result.exit_code == 0, result.output
    assert "listens on loopback only" in result.output

    tag = f"dockwise-test/hostile-uploads:{variant}-{RUN_ID}"
    build_app(app, variant, tag=tag, source=BaseSource.LOCAL, labels=test_labels, ensure_bases=ensure_local_bases)
    compose = yaml.safe_load((app / "compose.yaml").read_text())
    port = int(next(iter(compose["services"].values()))["ports"][0].split(":")[-1])
    assert port == 5000
    volume = docker_client.volumes.create(f"dockwise-test-hostile-{variant}-{RUN_ID}", labels=test_labels)
    try:
        for attempt in ("write", "read after a new container on the same volume"):
            with containers.running(
                docker_client,
                tag,
                port=port,
                labels=test_labels,
                **hardened_options(next(iter(compose["services"].values())), volume.name, variant),
            ) as published:
                client = Client(published.host_port)
                wait_until_up(client, "/", published.container)
                if attempt == "write":
                    assert client.post("/upload/note.txt", text="kept " + RUN_ID) == (200, "stored")
                assert client.get("/upload/note.txt") == (200, "kept " + RUN_ID), attempt
    finally:
        volume.remove(force=True)
