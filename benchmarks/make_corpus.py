"""The lint corpus: Dockerfiles with small build contexts, written for dockwise (none copied from elsewhere).

Hand-written cases cover parser edge cases and each practice; a generated grid varies a Python service along the
seed's eight practices. The corpus is generated, never committed: its contexts hold `.git/`, `.venv/` and `.env`
on purpose, which git would refuse or ignore. `write(folder)` is deterministic.
Usage: python benchmarks/make_corpus.py OUTPUT_DIR
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

APP = "from flask import Flask\napp = Flask(__name__)\n\n@app.get('/')\ndef index():\n    return 'ok'\n"
DEV_APP = APP + "\nif __name__ == '__main__':\n    app.run(host='0.0.0.0')\n"
REQS = "flask==3.1.0\ngunicorn==23.0.0\n"
LOOSE_REQS = "flask\ngunicorn>=23\n"
IGNORE = ".git\n.venv/\n**/__pycache__/\n**/*.pyc\n**/*.env\n"

HAND: dict[str, tuple[str, dict[str, str]]] = {
    "seed-example": (
        "FROM python:3.9-slim\nWORKDIR /app\nCOPY requirements.txt ./\nCOPY web_app.py ./\n"
        "RUN pip install --no-cache-dir -r requirements.txt\nEXPOSE 5000\nRUN useradd -ms /bin/bash appuser\n"
        'USER appuser\nCMD ["python", "web_app.py"]\n',
        {
            "requirements.txt": REQS,
            "web_app.py": DEV_APP,
            ".dockerignore": ".venv/\n*.pyc\n__pycache__/\n*.env\n.git/\n",
            "pkg/__pycache__/x.cpython-39.pyc": "",
            ".git/HEAD": "ref: refs/heads/main\n",
        },
    ),
    "naive-python": (
        "FROM python:3.12\nCOPY . .\nRUN pip install -r requirements.txt\nEXPOSE 5000\nCMD python app.py\n",
        {"requirements.txt": LOOSE_REQS, "app.py": DEV_APP, ".env": "SECRET=1\n", ".venv/bin/python": ""},
    ),
    "arg-base-distroless": (
        "ARG BUILDER=python:3.13-slim\nARG RUNTIME=gcr.io/distroless/python3-debian13:nonroot\n"
        "FROM ${BUILDER} AS build\nWORKDIR /src\nCOPY requirements.txt .\n"
        "RUN --mount=type=cache,target=/root/.cache/pip pip install --target /deps -r requirements.txt\n"
        "COPY app.py .\nFROM ${RUNTIME}\nCOPY --from=build /deps /deps\nCOPY --from=build /src/app.py /app/app.py\n"
        'ENV PYTHONPATH=/deps PYTHONUNBUFFERED=1\nUSER 65532\nEXPOSE 8000\nENTRYPOINT ["python3", "-m", "gunicorn", "app:app"]\n',
        {"requirements.txt": REQS, "app.py": APP, ".dockerignore": IGNORE},
    ),
    "heredoc-comment-after": (
        "FROM debian:trixie-slim\nRUN <<EOF\nset -e\napt-get update\napt-get install -y --no-install-recommends curl\n"
        'rm -rf /var/lib/apt/lists/*\nEOF\n# the terminator is followed by a comment\nUSER 1000\nCMD ["curl", "--version"]\n',
        {},
    ),
    "heredoc-pip-inside": (
        'FROM python:3.13-slim\nWORKDIR /app\nRUN <<EOF bash\npip install flask==3.1.0\nEOF\nUSER 1000\nCMD ["flask", "--version"]\n',
        {},
    ),
    "heredoc-several": (
        "FROM alpine:3.20\nRUN <<one cat > /a && <<-'two' cat > /b\nfirst $HOME\none\n\tsecond\n\ttwo\nCOPY <<EOF /etc/motd\nhello\nEOF\n"
        'USER 65534\nENTRYPOINT ["cat", "/a"]\n',
        {},
    ),
    "heredoc-python": (
        "FROM python:3.13-slim\nRUN <<EOF python3\nprint('hello')\nEOF\nUSER 1000\nCMD [\"python3\"]\n",
        {},
    ),
    "from-arg-plus": (
        'ARG REGISTRY\nARG TAG=3.13-slim\nFROM ${REGISTRY:+$REGISTRY/}python:${TAG}\nUSER 1000\nCMD ["python3"]\n',
        {},
    ),
    "from-arg-default": (
        'ARG PY=3.13\nFROM python:${PY:-3.12}-slim\nENV PIP_NO_CACHE_DIR=1\nRUN pip install requests==2.32.3\nUSER 1000\nCMD ["python3"]\n',
        {},
    ),
    "builder-root": (
        "FROM golang:1.23 AS build\nUSER root\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app ./cmd/app\n"
        'FROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /out/app /app\nEXPOSE 8080\nENTRYPOINT ["/app"]\n',
        {"go.mod": "module x\n", "cmd/app/main.go": "package main\nfunc main() {}\n", ".dockerignore": IGNORE},
    ),
    "no-user": (
        'FROM python:3.13-slim\nWORKDIR /app\nCOPY app.py .\nCMD ["python", "app.py"]\n',
        {"app.py": APP},
    ),
    "root-user-last": (
        'FROM python:3.13-slim\nRUN useradd -u 10001 app\nUSER app\nRUN echo hi\nUSER root\nCMD ["python3"]\n',
        {},
    ),
    "expose-bad": (
        'FROM nginx:1.27-alpine\nEXPOSE 80000\nEXPOSE 443/TCP\nEXPOSE 53/udp 8080-8090\nUSER 101\nCMD ["nginx", "-g", "daemon off;"]\n',
        {},
    ),
    "latest-and-untagged": (
        'FROM ubuntu AS base\nRUN echo base\nFROM node:latest\nUSER node\nCMD ["node"]\n',
        {},
    ),
    "sudo-curl-sh": (
        "FROM debian:12\nRUN sudo apt-get update && sudo apt-get install -y curl\nRUN curl -fsSL https://example.com/i.sh | bash\n"
        'USER 1000\nCMD ["bash"]\n',
        {},
    ),
    "apt-good": (
        "FROM debian:12-slim\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends ca-certificates=20230311 \\\n"
        ' && rm -rf /var/lib/apt/lists/*\nUSER 1000\nCMD ["bash"]\n',
        {},
    ),
    "apt-cache-mount": (
        "FROM debian:12-slim\nRUN --mount=type=cache,target=/var/cache/apt --mount=type=cache,target=/var/lib/apt/lists \\\n"
        '    apt-get update && apt-get install -y --no-install-recommends git\nUSER 1000\nCMD ["git", "--version"]\n',
        {},
    ),
    "pip-cache-mount": (
        'FROM python:3.13-slim\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask==3.1.0\nUSER 1000\nCMD ["flask", "run"]\n',
        {},
    ),
    "pip-env-nocache": (
        "FROM python:3.13-slim\nENV PIP_NO_CACHE_DIR=1\nRUN pip install flask==3.1.0 gunicorn==23.0.0\nUSER 1000\nEXPOSE 8000\n"
        'CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]\n',
        {},
    ),
    "pip-unpinned-cli": (
        'FROM python:3.11-slim\nRUN pip install --no-cache-dir --upgrade pip && pip install --no-cache-dir flask requests\nUSER 1000\nCMD ["python3"]\n',
        {},
    ),
    "secrets-env": (
        'FROM python:3.13-slim\nARG GITHUB_TOKEN\nENV DB_PASSWORD=hunter2 API_KEY=abc PUBLIC_KEY=ok\nENV AWS_ID=AKIAABCDEFGHIJKLMNOP\nUSER 1000\nCMD ["python3"]\n',
        {},
    ),
    "multiple-cmd": (
        'FROM python:3.13-slim\nCMD ["python3"]\nENTRYPOINT ["python3"]\nENTRYPOINT ["python3", "-u"]\nCMD ["-V"]\nUSER 1000\n',
        {},
    ),
    "maintainer-add": (
        "FROM python:3.13-slim\nMAINTAINER someone@example.com\nADD app.py /app/\nADD https://example.com/x.tar.gz /opt/\n"
        'ADD vendor.tar.gz /opt/\nUSER 1000\nCMD ["python3", "/app/app.py"]\n',
        {"app.py": APP, "vendor.tar.gz": "", ".dockerignore": IGNORE},
    ),
    "workdir-problems": (
        'FROM python:3.13-slim\nCOPY app.py .\nRUN cd /tmp && python3 -c \'print(1)\'\nWORKDIR src\nUSER 1000\nCMD ["python3", "app.py"]\n',
        {"app.py": APP},
    ),
    "escape-backtick": (
        "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN powershell -Command `\n    Write-Host hi\n"
        'USER ContainerUser\nCMD ["cmd"]\n',
        {},
    ),
    "onbuild": (
        'FROM python:3.13-slim\nONBUILD COPY requirements.txt /app/\nONBUILD RUN pip install -r /app/requirements.txt\nUSER 1000\nCMD ["python3"]\n',
        {},
    ),
    "parse-error-unknown": (
        "FROM python:3.13-slim\nRUNN echo oops\nUSER 1000\nCMD python3\n",
        {},
    ),
    "empty-continuation": (
        'FROM debian:12-slim\nRUN echo one \\\n\n    && echo two\nUSER 1000\nCMD ["bash"]\n',
        {},
    ),
    "copy-ignored": (
        'FROM python:3.13-slim\nWORKDIR /app\nCOPY config/settings.toml ./\nCOPY app.py ./\nUSER 1000\nCMD ["python3", "app.py"]\n',
        {"config/settings.toml": "", "app.py": APP, ".dockerignore": "config\n" + IGNORE},
    ),
    "dev-server-django": (
        'FROM python:3.13-slim\nWORKDIR /app\nCOPY manage.py ./\nUSER 1000\nEXPOSE 8000\nCMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]\n',
        {"manage.py": "", ".dockerignore": IGNORE},
    ),
    "uvicorn-reload": (
        "FROM python:3.13-slim\nENV PYTHONUNBUFFERED=1\nWORKDIR /app\nCOPY main.py ./\nUSER 1000\nEXPOSE 8000\n"
        'CMD ["uvicorn", "main:app", "--reload", "--host", "0.0.0.0"]\n',
        {"main.py": "", ".dockerignore": IGNORE},
    ),
    "node-service": (
        "FROM node:22-alpine\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci --omit=dev\nCOPY src/ ./src/\n"
        'USER node\nEXPOSE 3000\nHEALTHCHECK CMD ["node", "-e", "1"]\nCMD ["node", "src/index.js"]\n',
        {
            "package.json": "{}",
            "package-lock.json": "{}",
            "src/index.js": "",
            "node_modules/x/index.js": "",
            ".dockerignore": ".git\n",
        },
    ),
    "platform-flag": (
        "FROM --platform=$BUILDPLATFORM golang:1.23-alpine AS build\nARG TARGETOS TARGETARCH\nWORKDIR /src\n"
        'RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go env\nFROM scratch\nCOPY --from=build /etc/passwd /etc/passwd\nUSER 65534\nENTRYPOINT ["/app"]\n',
        {},
    ),
    "json-shell-mix": (
        'FROM python:3.13-slim\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN ["python3", "-c", "print(1)"]\n'
        "HEALTHCHECK --interval=30s CMD python3 -c 'print(1)'\nUSER 1000\nENTRYPOINT python3 -m http.server\n",
        {},
    ),
    "copy-from-problems": (
        "FROM python:3.13-slim AS build\nCOPY --from=build /a /a\nCOPY --from=later /b /b\nFROM python:3.13-slim AS later\n"
        'FROM python:3.13-slim AS later\nUSER 1000\nCMD ["python3"]\n',
        {},
    ),
    "env-legacy": (
        'FROM python:3.13-slim\nENV PYTHONUNBUFFERED 1\nENV APP_HOME /srv/app\nWORKDIR $APP_HOME\nLABEL maintainer="x" version=1\nUSER 1000\nCMD ["python3"]\n',
        {},
    ),
    "undefined-from-arg": (
        'FROM ${IMAGE}\nUSER 1000\nCMD ["sh"]\n',
        {},
    ),
    "reqs-after-code": (
        "FROM python:3.13-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\nUSER 1000\nEXPOSE 8000\n"
        'CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]\n',
        {"requirements.txt": LOOSE_REQS, "app.py": APP, "tests/test_app.py": "", ".dockerignore": IGNORE},
    ),
    "wget-pipe-python": (
        'FROM python:3.13-slim\nRUN wget -qO- https://example.com/get.py | python3 -\nUSER 1000\nCMD ["python3"]\n',
        {},
    ),
}

# The generated grid: one Python service, varied along the practices both linters check.
BASES = ["python:3.13-slim", "python:3.12", "python:latest", "python"]
PIPS = [
    "pip install --no-cache-dir -r requirements.txt",
    "pip install -r requirements.txt",
    "--mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt",
]
USERS = ["USER 10001", "USER app", "", "USER root"]
CMDS = ['CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]', "CMD gunicorn -b 0.0.0.0:8000 app:app"]
EXPOSES = ["EXPOSE 8000", ""]


def grid() -> dict[str, tuple[str, dict[str, str]]]:
    out = {}
    combos = list(itertools.product(BASES, PIPS, USERS, CMDS, EXPOSES))
    for n, (base, pip, user, cmd, expose) in enumerate(combos[::4]):
        lines = [f"FROM {base}", "WORKDIR /app", "COPY requirements.txt ./", f"RUN {pip}", "COPY app.py ./"]
        if user == "USER app":
            lines.insert(2, "RUN useradd --uid 10001 app")
        lines += [line for line in (user, expose, cmd) if line]
        files = {"requirements.txt": REQS if n % 2 else LOOSE_REQS, "app.py": APP}
        if n % 3:
            files[".dockerignore"] = IGNORE
        out[f"grid-{n:02d}"] = ("\n".join(lines) + "\n", files)
    return out


def write(root: Path) -> list[Path]:
    """Write every case as root/NNN-slug/Dockerfile plus its context files; returns the Dockerfile paths."""
    cases = {**HAND, **grid()}
    paths = []
    for n, (slug, (dockerfile, files)) in enumerate(sorted(cases.items())):
        folder = root / f"{n:03d}-{slug}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "Dockerfile").write_text(dockerfile)
        for path, content in files.items():
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
        paths.append(folder / "Dockerfile")
    return paths


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_corpus.py OUTPUT_DIR")
    print(f"{len(write(Path(sys.argv[1])))} Dockerfiles in {sys.argv[1]}")
