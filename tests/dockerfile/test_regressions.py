"""One regression test per pattern of issue 12 (benchmarks/lint_regressions.json): false positives that must stay
gone and misses that must stay caught, each built from the real Dockerfile that showed it.

Every case records its source (repository @ commit : path) and licence. Cases from permissively licensed files keep
the real lines needed, in their order and unchanged; for files under other licences, or none, the case says
"own words" and is an equivalent Dockerfile written for this test from the behaviour described in the issue.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from dockwise.core.config import Settings
from tests.dockerfile.helpers import lint, rule_ids


@dataclass(frozen=True)
class Case:
    pattern: str
    source: str
    licence: str
    dockerfile: str
    present: frozenset[str] = frozenset()
    absent: frozenset[str] = frozenset()
    context: tuple[tuple[str, str], ...] = ()
    settings: Settings = field(default_factory=Settings)


def case(pattern, source, licence, dockerfile, present=(), absent=(), context=(), settings=Settings()) -> Case:
    return Case(pattern, source, licence, dockerfile, frozenset(present), frozenset(absent), tuple(context), settings)


POSTGRES = "docker-library/postgres@6edb0a8c4def40c371514b34aef9037ec82d9110"
RABBITMQ = "docker-library/rabbitmq@9193c1de6d32046e0c1132841a7a4995b0dc32e0"
PYTHON = "docker-library/python@4f07059567fa61c80397126e8063dbbde011b794"
BUILDX = "docker/buildx@461836ba0fcb3e847dab6045a726889faa150bdb"
BUILDKIT = "moby/buildkit@73ed6825c4b7569379ef89df0aedcdbe64473d31"
COMPOSE = "docker/awesome-compose@18f59bdb09ecf520dd5758fbf90dec314baec545"
HEALTHCHECKS = "healthchecks/healthchecks@29b5ec251059034b79e0120e2ff0c3e35d7bd9f8"
DROPS = Settings(enable=frozenset({"DW124"}))  # DW124 is off by default

CASES = [
    # ---- false positives
    case(
        "no CMD on an image derived from a product image",
        f"{RABBITMQ}:4.1/ubuntu/management/Dockerfile",
        "MIT",
        "FROM rabbitmq:4.1\n\nRUN set -eux; \\\n\trabbitmq-plugins enable --offline rabbitmq_management\n"
        "EXPOSE 15671 15672\n",
        absent={"DW007", "DW008"},
    ),
    case(
        "no CMD on an image chain built FROM $BASE_IMAGE",
        "jupyter/docker-stacks@8209386950497966c8a9aa446b9a84a5dd78eab5:images/scipy-notebook/Dockerfile",
        "BSD-3-Clause",
        "ARG REGISTRY=quay.io\nARG OWNER=jupyter\nARG BASE_IMAGE=$REGISTRY/$OWNER/minimal-notebook\nFROM $BASE_IMAGE\n",
        absent={"DW007", "DW125", "DW008"},
    ),
    case(
        "no CMD / root / full base on a toolchain image",
        "docker-library/golang@7c8c182bfc19ee3169d0596ae63917d2c7166f94:1.26/bookworm/Dockerfile",
        "BSD-3-Clause",
        "FROM buildpack-deps:bookworm-scm AS build\nENV PATH /usr/local/go/bin:$PATH\nENV GOLANG_VERSION 1.26.7\n"
        "FROM buildpack-deps:bookworm-scm\nENV GOLANG_VERSION 1.26.7\nENV GOTOOLCHAIN=local\nENV GOPATH /go\n"
        "ENV PATH $GOPATH/bin:/usr/local/go/bin:$PATH\nCOPY --from=build --link /target/ /\nWORKDIR $GOPATH\n",
        absent={"DW007", "DW008", "DW001"},
    ),
    case(
        "root toolchain image (rust)",
        "rust-lang/docker-rust@7668ee290612ac3ac42dbfcbdfae75120263d2c9:stable/alpine3.23/Dockerfile",
        "Apache-2.0 OR MIT",
        "FROM alpine:3.23\nENV RUSTUP_HOME=/usr/local/rustup \\\n    RUST_VERSION=1.94.1\n",
        absent={"DW007", "DW008"},
    ),
    case(
        "FROM scratch export stage",
        f"{BUILDKIT}:examples/create-certs/Dockerfile",
        "Apache-2.0",
        "FROM alpine:edge AS gen\nRUN apk --update --no-cache add mkcert@testing ca-certificates\nWORKDIR /certs\n"
        "FROM scratch\nCOPY --from=gen /certs /\n",
        absent={"DW007", "DW008", "DW112"},
        settings=Settings(enable=frozenset({"DW112"})),
    ),
    case(
        "CI check stage as the last stage",
        f"{BUILDX}:hack/dockerfiles/authors.Dockerfile",
        "Apache-2.0",
        "ARG ALPINE_VERSION=3.23\nFROM alpine:${ALPINE_VERSION} AS gen\nRUN apk add --no-cache git\nWORKDIR /src\n"
        "FROM scratch AS update\nCOPY --from=gen /out /\nFROM gen AS validate\n"
        "RUN --mount=type=bind,target=.,rw <<EOT\n  set -e\n  git add -A\nEOT\n",
        absent={"DW007", "DW008", "DW112"},
        settings=Settings(enable=frozenset({"DW112"})),
    ),
    case(
        "ADD of a git URL pinned by ref",
        f"{BUILDX}:hack/dockerfiles/lint.Dockerfile",
        "Apache-2.0",
        "FROM golang:1.26-alpine3.23 AS golangci-lint\nARG GOLANGCI_LINT_VERSION\n"
        "ADD --keep-git-dir=true https://github.com/golangci/golangci-lint.git#${GOLANGCI_LINT_VERSION} .\n",
        absent={"DW106", "DW000", "DW128"},
    ),
    case(
        "PYTHONUNBUFFERED on the Dockerfile that builds Python",
        f"{PYTHON}:3.13/slim-trixie/Dockerfile",
        "MIT",
        "FROM debian:trixie-slim\n\n# ensure local python is preferred over distribution python\nENV PATH /usr/local/bin:$PATH\n"
        'ENV GPG_KEY 7169605F62C751356D054A26A821E680E5FA6305\nENV PYTHON_VERSION 3.13.14\nCMD ["python3"]\n',
        absent={"DW102", "DW008"},
    ),
    case(
        "PYTHONUNBUFFERED on an ONBUILD base",
        "docker-library/python@ea4449a046583e22d65898cdf9ab87f62e30bb4a:3.6/jessie/onbuild/Dockerfile",
        "MIT",
        "FROM python:3.6-jessie\n\nRUN mkdir -p /usr/src/app\nWORKDIR /usr/src/app\n\n"
        "ONBUILD COPY requirements.txt /usr/src/app/\nONBUILD RUN pip install --no-cache-dir -r requirements.txt\n\n"
        "ONBUILD COPY . /usr/src/app\n",
        absent={"DW102", "DW000", "DW008"},
    ),
    case(
        "pip install --no-cache (an abbreviation pip accepts)",
        f"{HEALTHCHECKS}:docker/Dockerfile",
        "BSD-3-Clause",
        "FROM python:3.14.7-slim-trixie\nRUN --mount=type=bind,target=/wheels,source=/wheels,from=builder \\\n"
        "    pip install --no-cache /wheels/*\n",
        absent={"DW005"},
    ),
    case(
        "root image dropping privileges with gosu in its entrypoint script",
        f"{POSTGRES}:17/bookworm/Dockerfile",
        "MIT",
        "FROM debian:bookworm-slim\nCOPY docker-entrypoint.sh docker-ensure-initdb.sh /usr/local/bin/\n"
        "RUN ln -sT docker-ensure-initdb.sh /usr/local/bin/docker-enforce-initdb.sh\n"
        'ENTRYPOINT ["docker-entrypoint.sh"]\nEXPOSE 5432\nCMD ["postgres"]\n',
        present={"DW124"},
        absent={"DW008"},
        settings=DROPS,
        context=[
            ("docker-entrypoint.sh", '#!/usr/bin/env bash\n\t\t\texec gosu postgres "$BASH_SOURCE" "$@"\n'),
            ("docker-ensure-initdb.sh", "#!/usr/bin/env bash\n"),
        ],
    ),
    case(
        "root image dropping privileges with su-exec",
        f"{RABBITMQ}:4.1/alpine/Dockerfile",
        "MIT",
        'FROM alpine:3.23\nCOPY docker-entrypoint.sh /usr/local/bin/\nENTRYPOINT ["docker-entrypoint.sh"]\n'
        'EXPOSE 4369 5671 5672 15691 15692 25672\nCMD ["rabbitmq-server"]\n',
        present={"DW124"},
        absent={"DW008"},
        settings=DROPS,
        context=[("docker-entrypoint.sh", '#!/bin/bash\n\texec su-exec rabbitmq "$BASH_SOURCE" "$@"\n')],
    ),
    case(
        "s6-overlay services dropping with s6-setuidgid",
        "linuxserver/docker-sonarr@70afae82c399 (GPL-3.0)",
        "own words",
        'FROM alpine:3.23\nCOPY root/ /\nENTRYPOINT ["/init"]\nEXPOSE 8989\n',
        present={"DW124"},
        absent={"DW008"},
        settings=DROPS,
        context=[("root/etc/s6-overlay/s6-rc.d/svc-app/run", "#!/bin/sh\nexec s6-setuidgid abc /app/bin/server\n")],
    ),
    case(
        "setpriv in the ENTRYPOINT",
        "setpriv(1) (no repository identified)",
        "own words",
        "FROM debian:trixie-slim\nCOPY server /app/server\nEXPOSE 8080\n"
        'ENTRYPOINT ["setpriv", "--reuid=10001", "--regid=10001", "--init-groups", "--", "/app/server"]\n',
        present={"DW124"},
        absent={"DW008"},
        settings=DROPS,
    ),
    case(
        "chroot --userspec in the entrypoint script",
        "elastic/elasticsearch docker-entrypoint.sh (Elastic/SSPL)",
        "own words",
        'FROM ubuntu:24.04\nCOPY entrypoint.sh /usr/local/bin/\nENTRYPOINT ["entrypoint.sh"]\nEXPOSE 9200\n',
        present={"DW124"},
        absent={"DW008"},
        settings=DROPS,
        context=[("entrypoint.sh", '#!/bin/bash\nexec chroot --userspec=1000:0 / "$@"\n')],
    ),
    case(
        "a server's own user flag (named -u)",
        "isc-projects/bind9-docker@e75432b9dbf5 (no licence)",
        "own words",
        'FROM ubuntu:24.04\nCMD ["/usr/sbin/named", "-g", "-c", "/etc/bind/named.conf", "-u", "bind"]\n',
        present={"DW124"},
        absent={"DW008"},
        settings=DROPS,
    ),
    case(
        "nginx runs its workers as the configured user",
        "nginxinc/docker-nginx@b430becb8f0f:mainline/debian/Dockerfile",
        "BSD-2-Clause",
        'FROM debian:bookworm-slim\nCOPY docker-entrypoint.sh /\nENTRYPOINT ["/docker-entrypoint.sh"]\nEXPOSE 80\n'
        'CMD ["nginx", "-g", "daemon off;"]\n',
        absent={"DW008", "DW124"},
        settings=DROPS,
        context=[("docker-entrypoint.sh", '#!/bin/sh\nexec "$@"\n')],
    ),
    case(
        "nginx on an unprivileged port: its configuration drops privileges",
        "nginx docs (own words)",
        "own words",
        'FROM debian:trixie-slim\nEXPOSE 8080\nCMD ["nginx", "-g", "daemon off;"]\n',
        present={"DW124"},
        absent={"DW008"},
        settings=DROPS,
    ),
    case(
        "a root service on a privileged port is the maintainer's trade-off",
        "caddyserver/caddy-docker@62d1326421cc6d6245f5178d3c277b0e69fb8fb6:2.11/alpine/Dockerfile",
        "Apache-2.0",
        "FROM alpine:3.23\nEXPOSE 80\nEXPOSE 443\nEXPOSE 443/udp\nEXPOSE 2019\n"
        'CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]\n',
        absent={"DW008"},
    ),
    case(
        "a root tool image is not a service",
        "docker-library/docker@3289af88086d67e6f0bfebfa0617541a0f574d96:29/cli/Dockerfile",
        "Apache-2.0",
        'FROM alpine:3.24\nCOPY docker-entrypoint.sh /usr/local/bin/\nENTRYPOINT ["docker-entrypoint.sh"]\nCMD ["sh"]\n',
        absent={"DW008"},
        context=[("docker-entrypoint.sh", '#!/bin/sh\nexec "$@"\n')],
    ),
    case(
        "relative COPY in a builder stage resolving against the same directory as its RUN",
        "GoogleCloudPlatform/microservices-demo@34ffea9175946982c3088ed84994fe6019ad6e92:src/emailservice/Dockerfile",
        "Apache-2.0",
        "FROM python:3.12.8-alpine AS base\nFROM base AS builder\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\nFROM base\nWORKDIR /email_server\nCOPY --from=builder /usr/local/lib/python3.12/ /usr/local/lib/python3.12/\n",
        absent={"DW002"},
    ),
    case(
        "relative COPY destination in a FROM scratch export stage",
        f"{BUILDKIT}:hack/dockerfiles/archutil.Dockerfile",
        "Apache-2.0",
        "FROM alpine:3.23 AS exit-amd64\nFROM scratch AS exits\nCOPY --from=exit-amd64 /src/exit amd64\n",
        absent={"DW002"},
    ),
    case(
        "no EXPOSE on a $PORT service",
        "GoogleCloudPlatform/cloud-run-microservice-template-python@635bf71ab896:Dockerfile",
        "Apache-2.0",
        "FROM python:3.13.5-slim\nENV PYTHONUNBUFFERED 1\nWORKDIR /usr/src/app\nCOPY requirements.txt ./\n"
        "RUN pip install -r requirements.txt\nCOPY . ./\n"
        "CMD exec gunicorn --bind :$PORT --workers 1 --threads 8 --timeout 0 app:app\n",
        absent={"DW006", "DW007"},
    ),
    case(
        "EXPOSE inherited from the nginx base",
        f"{COMPOSE}:nginx-wsgi-flask/nginx/Dockerfile",
        "CC0-1.0",
        'FROM nginx:1.19.7-alpine\nRUN apk add bash\nCMD ["nginx", "-g", "daemon off;"]\n',
        absent={"DW006"},
    ),
    case(
        "digest pin advice on a localhost/ reference",
        "searxng/searxng@9fea41204fdf:container/dist.dockerfile (AGPL-3.0)",
        "own words",
        "FROM localhost/example/base:builder AS builder\nFROM python:3.13-slim@sha256:" + "a" * 64 + "\n",
        absent={"DW113"},
        settings=Settings(enable=frozenset({"DW113"})),
    ),
    case(
        "apt lists removed by apt-get dist-clean",
        f"{PYTHON}:3.13/slim-trixie/Dockerfile",
        "MIT",
        "FROM debian:trixie-slim\nRUN set -eux; \\\n\tapt-get update; \\\n\tapt-get install -y --no-install-recommends \\\n"
        "\t\tca-certificates \\\n\t\tnetbase \\\n\t\ttzdata \\\n\t; \\\n\tapt-get dist-clean\n",
        absent={"DW110"},
    ),
    case(
        "apt lists removed by apt-get distclean",
        "django/djangoproject.com@68a439a59f5692e9d847f23318d7a8603fc33c72:Dockerfile",
        "BSD-3-Clause",
        "FROM python:3.12-slim-trixie\nRUN apt-get update \\\n    && apt-get install --assume-yes --no-install-recommends \\\n"
        "        gettext \\\n        git \\\n    && apt-get distclean\n",
        absent={"DW110", "DW131"},
    ),
    case(
        "`# comment` inside backticks in a continued RUN",
        "saleor/saleor@723cd4eba87dfc72822ade45dc08a3caa548428d:Dockerfile",
        "BSD-3-Clause",
        "FROM python:3.12-slim\nRUN apt-get update \\\n  && apt-get install -y \\\n  libffi8 \\\n"
        "  libxslt1-dev `# libxslt is needed by lxml (PyPI)` \\\n"
        "  # Required by celery[sqs] which uses pycurl for AWS SQS support\n  libcurl4 \\\n"
        "  && apt-get clean \\\n  && rm -rf /var/lib/apt/lists/*\n",
        absent={"DW110"},
    ),
    case(
        "secret file by name only: .npmrc without a token, a public CA bundle",
        "getredash/redash@ca79fe988d81cdac9675b412f3dfcab107bc1fbc:Dockerfile and .npmrc",
        "BSD-2-Clause",
        "FROM python:3.10-slim-bookworm\nWORKDIR /app\nCOPY --chown=redash . /app\n",
        absent={"DW115"},
        context=[
            (".npmrc", "engine-strict=true\nauto-install-peers=true\nshamefully-hoist=true\n"),
            (
                "redash/query_runner/files/rds-combined-ca-bundle.pem",
                "-----BEGIN CERTIFICATE-----\nMIIE\n-----END CERTIFICATE-----\n",
            ),
            (".dockerignore", "client/.tmp/\n"),
        ],
    ),
    case(
        "secret file by name only: a .env.sample template",
        "traefik/traefik@fd5a576df2e8aeb0bfc8a96b6ef6e60a61f7ec0a:webui/buildx.Dockerfile",
        "MIT",
        "FROM node:24-alpine3.22\nENV WEBUI_DIR=/src/webui\nWORKDIR $WEBUI_DIR\nCOPY . $WEBUI_DIR/\n",
        absent={"DW115"},
        context=[(".env.sample", "VITE_APP_BASE_URL=\n"), (".dockerignore", "dist/\n")],
    ),
    case(
        "no .dockerignore while the context holds nothing to exclude",
        f"{POSTGRES}:17/bookworm/Dockerfile",
        "MIT",
        "FROM debian:bookworm-slim\nCOPY docker-entrypoint.sh docker-ensure-initdb.sh /usr/local/bin/\n"
        'ENTRYPOINT ["docker-entrypoint.sh"]\nCMD ["postgres"]\n',
        absent={"DW004"},
        context=[("docker-entrypoint.sh", "#!/bin/sh\n"), ("docker-ensure-initdb.sh", "#!/bin/sh\n")],
    ),
    case(
        "cd inside a source build RUN that removes the directory",
        "hashicorp/docker-consul@aedd0844f06e (MPL-2.0)",
        "own words",
        "FROM alpine:3.23\nRUN set -eux && \\\n    mkdir -p /opt/build && \\\n    cd /opt/build && \\\n"
        "    make && \\\n    cd / && \\\n    rm -rf /opt/build\n",
        absent={"DW002"},
    ),
    case(
        "dev-envs stage held to production rules",
        f"{COMPOSE}:django/app/Dockerfile",
        "CC0-1.0",
        "FROM --platform=$BUILDPLATFORM python:3.7-alpine AS builder\nEXPOSE 8000\nWORKDIR /app \n"
        "COPY requirements.txt /app\nRUN pip3 install -r requirements.txt --no-cache-dir\nCOPY . /app \n"
        'ENTRYPOINT ["python3"] \nCMD ["manage.py", "runserver", "0.0.0.0:8000"]\n\nFROM builder as dev-envs\n'
        "RUN <<EOF\napk update\napk add git\nEOF\n\nCOPY --from=gloursdocker/docker / /\n"
        'CMD ["manage.py", "runserver", "0.0.0.0:8000"]\n',
        absent={"DW008", "DW101", "DW127", "DW129", "DW112"},
        settings=Settings(enable=frozenset({"DW112"})),
    ),
    # ---- misses
    case(
        "COPY with a single argument",
        "plone/plone.docker issue #24 (docs quoted in the issue)",
        "own words",
        "FROM plone/plone:4\nCOPY site.cfg\nRUN bin/buildout -c site.cfg\n",
        present={"DW000"},
    ),
    case(
        "invalid image reference (upper case repository)",
        "leksah/leksah@0190acfda0b6:Dockerfile (GPL-2.0)",
        "own words",
        'FROM Python:3.9\nCMD ["python"]\n',
        present={"DW000"},
    ),
    case(
        "ADD of a local directory in a builder stage",
        "iamkanishka/Go-REST-API@9e886283 (no licence)",
        "own words",
        "FROM golang:1.21.4 AS builder\nADD . /app\nFROM alpine:3.19 AS production\nCOPY --from=builder /app .\n",
        present={"DW128"},
    ),
    case(
        "untagged FROM in a builder stage",
        f"{BUILDKIT}:hack/dockerfiles/docs.Dockerfile",
        "Apache-2.0",
        "FROM alpine AS gen\nRUN apk add --no-cache rsync git\nWORKDIR /src\nFROM scratch AS update\nCOPY --from=gen /out /\n",
        present={"DW125"},
    ),
    case(
        "Windows WORKDIR on a Linux image",
        "lehuy94/DevOpsBK@4aa2a4d7 (no licence)",
        "own words",
        "FROM python:3.9-slim-buster\nWORKDIR D:\\CODE\\BK\nCOPY app.py .\n",
        present={"DW002"},
    ),
    case(
        "Windows WORKDIR on a Windows image is fine",
        "docker-library/golang@7c8c182bfc19ee3169d0596ae63917d2c7166f94:1.26/windows/windowsservercore-ltsc2022/Dockerfile",
        "BSD-3-Clause",
        "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nENV GOPATH C:\\\\go\nWORKDIR $GOPATH\n",
        absent={"DW002"},
    ),
    case(
        "apk add without --no-cache",
        f"{COMPOSE}:nginx-wsgi-flask/flask/Dockerfile",
        "CC0-1.0",
        "FROM python:3.9.2-alpine\nRUN apk add curl\n",
        present={"DW127"},
    ),
    case(
        "apt/apk version pinning as a policy: off by default",
        f"{HEALTHCHECKS}:docker/Dockerfile",
        "BSD-3-Clause",
        "FROM python:3.14.7-slim-trixie\nRUN \\\n    apt-get update && \\\n"
        "    apt-get install -y libcurl4t64 libpq5 libmariadb3 && \\\n    rm -rf /var/lib/apt/lists/*\n",
        absent={"DW126"},
    ),
    case(
        "apt/apk version pinning as a policy: on when asked",
        "caddyserver/caddy-docker@62d1326421cc6d6245f5178d3c277b0e69fb8fb6:2.11/alpine/Dockerfile",
        "Apache-2.0",
        "FROM alpine:3.23\nRUN apk add --no-cache \\\n\tca-certificates \\\n\tcurl \\\n\tlibcap \\\n\tmailcap\n",
        present={"DW126"},
        settings=Settings(pin=frozenset({"pip", "apk"})),
    ),
    case(
        "COPY --from a full OS over /",
        "hadolint DL3067 (own words)",
        "own words",
        "FROM debian:trixie-slim AS tools\nFROM alpine:3.23\nCOPY --from=tools / /\n",
        present={"DW129"},
    ),
    case(
        "COPY --from a helper image made to be copied whole",
        "dani-garcia/vaultwarden@46d71107f509:docker/Dockerfile.debian (AGPL-3.0)",
        "own words",
        "FROM --platform=linux/amd64 docker.io/tonistiigi/xx:1.6.1 AS xx\nFROM debian:trixie-slim\nCOPY --from=xx / /\n",
        absent={"DW129"},
    ),
    case(
        "SHELL not in JSON form",
        "collabnix/dockerlabs SHELL lab (see repository)",
        "own words",
        "FROM debian:trixie-slim\nSHELL /bin/bash -c\n",
        present={"DW000"},
    ),
    case(
        "ONBUILD misuse",
        "Dockerfile reference: ONBUILD",
        "own words",
        "FROM python:3.13-slim\nONBUILD ONBUILD RUN echo twice\n",
        present={"DW000"},
    ),
    case(
        "valid SHELL forms stay clean",
        "jupyter/docker-stacks@8209386950497966c8a9aa446b9a84a5dd78eab5:images/docker-stacks-foundation/Dockerfile",
        "BSD-3-Clause",
        'FROM ubuntu:24.04\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\n',
        absent={"DW000"},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.pattern)
def test_regression(case, tmp_path):
    assert case.source and case.licence
    root = tmp_path if case.context else None
    found = rule_ids(lint(case.dockerfile, root, case.context, config=case.settings))
    assert case.present <= found, f"missed {sorted(case.present - found)}; found {sorted(found)}"
    assert not case.absent & found, f"still reports {sorted(case.absent & found)}"
