"""Image-check examples made real without an engine: a `FROM scratch` Dockerfile from a rule's docstring, built the way
BuildKit lays it out (one layer per COPY, parent directories created root-owned 0755, metadata in the config) into a
docker-save archive, then read back through `dockwise.image.collect`.

Only what the examples use is understood: FROM scratch, COPY [--chown=U:G] [--chmod=MODE] SRC... DEST, and the
metadata instructions. Anything else fails the test loudly rather than building something else.
"""

from __future__ import annotations

import posixpath
import tempfile
from pathlib import Path

from dockwise.core.rules import Example, example_bytes
from dockwise.dockerfile.model import build_model
from dockwise.dockerfile.parse import parse
from dockwise.image import collect
from dockwise.image.facts import ImageFacts
from tests.image.archives import F, docker_save, image_config, layer

METADATA = {"USER", "ENV", "LABEL", "WORKDIR", "CMD", "ENTRYPOINT", "EXPOSE", "HEALTHCHECK"}


def example_image(example: Example, tag: str = "dockwise-example/image:1") -> ImageFacts:
    files = {path: example_bytes(content) for path, content in example.context}
    build = build_model(parse(example.dockerfile))
    assert build.target is not None and build.target.base == "scratch", "examples start FROM scratch"
    config: dict = {}
    layers, history = [], []
    for step in build.target.steps:
        instruction = step.instruction
        keyword = instruction.keyword
        if keyword == "COPY":
            layers.append(_copy_layer(instruction, files, step.workdir))
            history.append(f"COPY {' '.join(instruction.args)} # buildkit")
        elif keyword in METADATA:
            _apply(config, keyword, instruction, step)
        else:
            raise AssertionError(f"example instruction {keyword} is not understood by the test builder")
    if not layers:  # BuildKit gives a FROM scratch image with no COPY one empty layer
        layers.append(layer())
        history.append("FROM scratch")
    with tempfile.TemporaryDirectory() as directory:
        archive = docker_save(layers, image_config(layers, history=history, **config), (tag,))
        return collect(str(archive.write_tar(Path(directory) / "image.tar")), gzip_size=False)


def _copy_layer(instruction, files: dict[str, bytes], workdir: str | None) -> bytes:
    *sources, dest = instruction.args
    owner = instruction.flag("chown") or "0:0"
    uid, _, gid = owner.partition(":")
    mode = int(instruction.flag("chmod") or "644", 8)
    dest = dest if dest.startswith("/") else posixpath.join(workdir or "/", dest)
    entries = []
    for source in sources:
        target = dest.rstrip("/") + "/" + posixpath.basename(source) if dest.endswith("/") or len(sources) > 1 else dest
        target = target.lstrip("/")
        parents = target.split("/")[:-1]
        entries += [F("/".join(parents[: i + 1]), kind="dir") for i in range(len(parents))]
        entries.append(F(target, files[source], mode=mode, uid=int(uid), gid=int(gid or uid)))
    return layer(*entries)


def _apply(config: dict, keyword: str, instruction, step) -> None:
    args = list(instruction.args)
    if keyword == "USER":
        config["User"] = args[0]
    elif keyword == "WORKDIR":
        config["WorkingDir"] = args[0]
    elif keyword == "ENV":
        env = dict(item.split("=", 1) for item in config.get("Env", []))
        env.update({args[i]: args[i + 1] for i in range(0, len(args) - 2, 3)})
        config["Env"] = [f"{k}={v}" for k, v in env.items()]
    elif keyword == "LABEL":
        labels = config.setdefault("Labels", {})
        labels.update({args[i]: args[i + 1].strip('"') for i in range(0, len(args) - 2, 3)})
    elif keyword in ("CMD", "ENTRYPOINT"):
        config["Cmd" if keyword == "CMD" else "Entrypoint"] = (
            args if instruction.json else ["/bin/sh", "-c", " ".join(args)]
        )
    elif keyword == "EXPOSE":
        config.setdefault("ExposedPorts", {}).update({a if "/" in a else f"{a}/tcp": {} for a in args})
    elif keyword == "HEALTHCHECK":
        config["Healthcheck"] = {"Test": ["CMD", *args[1:]] if args and args[0].upper() == "CMD" else ["NONE"]}
