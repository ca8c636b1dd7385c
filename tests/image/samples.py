"""Two small images as docker-save archives: a "standard" one that breaks most seed practices, a distroless-like one."""

from __future__ import annotations

from pathlib import Path

from tests.image.archives import F, docker_save, image_config, layer

PASSWD = F("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n")


def standard(tmp_path: Path) -> str:
    layers = [
        layer(
            PASSWD,
            F("bin/sh", b"\x7fELF", mode=0o755),
            F("usr/bin/apt-get", b"\x7fELF", mode=0o755),
            F("usr/lib/x86_64-linux-gnu/libbig.so", b"\x01" * 300_000),
        ),
        layer(F("app/web_app.py", b"print('hi')\n"), F("app/.env", b"SECRET=1\n"), F("root/.cache/pip/x", b"c" * 5000)),
        layer(F("app/web_app.py", b"print('hi')\n", mode=0o755)),
    ]
    config = image_config(
        layers,
        history=["debootstrap <script>alert(1)</script>", "COPY . /app", "RUN chmod +x web_app.py"],
        WorkingDir="/app",
        Cmd=["/bin/sh", "-c", "python web_app.py"],
    )
    return str(docker_save(layers, config, tags=("demo/web:standard",)).write_tar(tmp_path / "standard.tar"))


def distroless(tmp_path: Path) -> str:
    layers = [
        layer(PASSWD, F("usr/lib/x86_64-linux-gnu/libsmall.so", b"\x02" * 100_000)),
        layer(F("app/web_app.py", b"print('hi')\n")),
    ]
    config = image_config(
        layers,
        history=["rules_distroless", "COPY web_app.py /app/"],
        WorkingDir="/app",
        User="65532",
        ExposedPorts={"5000/tcp": {}},
        Cmd=["/usr/bin/python3", "web_app.py"],
    )
    return str(docker_save(layers, config, tags=("demo/web:distroless",)).write_tar(tmp_path / "distroless.tar"))
