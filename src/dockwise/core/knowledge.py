"""What counts as a secret or as build junk: one definition, used by `lint` (what COPY/ADD would send) and by
`inspect` (what the image holds), so the two can never disagree about a file.
"""

from __future__ import annotations

import re

SECRET_FILE = re.compile(
    r"(^|/)(\.env(\.[^/]*)?|[^/]*\.env|id_(rsa|dsa|ecdsa|ed25519)|"
    r"[^/]*\.(pem|key|p12|pfx|jks|kdbx|ovpn|keychain|secret|pcap)|"
    r"\.npmrc|\.pypirc|\.netrc|\.git-credentials|\.htpasswd|\.dockercfg|credentials(\.json|\.xml)?|"
    r"\.aws/[^/]+|\.docker/config\.json|secrets?\.(ya?ml|json|toml))$"
)
"""A file that holds credentials by its name, matched on a slash-separated path relative to the context root or the
image root. Private keys are also found by content (`PRIVATE_KEY`), whatever their name."""

PRIVATE_KEY = re.compile(rb"-----BEGIN ([A-Z0-9 ]+ )?PRIVATE KEY-----")

TEMPLATE_FILE = re.compile(
    r"(^|/)[^/]*\.(sample|example|examples|template|tpl|tmpl|dist)$|(^|/)(sample|example|template)\.env$"
)
"""Templates of secret files (`.env.example`, `.env.sample`, `example.env`): documentation, not credentials."""

BY_CONTENT = re.compile(r"(^|/)([^/]*\.pem|\.npmrc)$")
"""Secret names whose content decides: a `.pem` holding only certificates or public keys (a CA bundle) is public,
an `.npmrc` without an auth token or password is configuration."""

CONTENT_BYTES = 64 << 10
"""How much of a `BY_CONTENT` file both lint and inspect read to decide."""

_PUBLIC_PEM = re.compile(rb"-----BEGIN (CERTIFICATE|TRUSTED CERTIFICATE|X509 CRL|PUBLIC KEY|[A-Z]+ PUBLIC KEY)-----")
_NPM_CREDENTIAL = re.compile(rb"_auth(Token)?\s*=|_password\s*=|//[^\s]*:_", re.IGNORECASE)

SYSTEM_DIRS = ("usr/share/", "usr/lib/", "usr/local/lib/", "usr/include/", "etc/ssl/", "etc/ca-certificates/")
"""Where packages keep CA certificates, test keys and sample configs: not the image builder's secrets."""

SECRET_NAME = re.compile(
    r"(?:_|^)(?:apikey|auth|credential|credentials|key|pass|password|pword|passwd|secret|token)(?:_|$)", re.IGNORECASE
)
"""A variable name that holds a secret: a `_`-separated word as in BuildKit's SecretsUsedInArgOrEnv check."""

PUBLIC_NAME = re.compile(r"(?:_|^)public(?:_|$)|^GPG_KEYS?$", re.IGNORECASE)
"""Names that match `SECRET_NAME` but hold public material (the official images' `GPG_KEY` is a fingerprint)."""

SECRET_VALUE = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|xox[baprs]-[A-Za-z0-9-]{10,}"
)
"""A value that is a credential whatever its name: a private key, an AWS access key id, GitHub and Slack tokens."""

JUNK_DIRS = frozenset(
    {
        ".venv",
        "venv",
        "__pycache__",
        "node_modules",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".tox",
        ".idea",
        ".vscode",
        ".git",
    }
)
JUNK_FILES = frozenset(
    {
        "Dockerfile",
        "Containerfile",
        ".dockerignore",
        "docker-compose.yml",
        "docker-compose.yaml",
        "compose.yaml",
        "compose.yml",
        ".DS_Store",
        ".gitignore",
    }
)
METADATA_FILES = JUNK_FILES - {".DS_Store"}
"""Junk files that are a few bytes of build metadata (the Dockerfile, ignore files, compose files): evidence of a
whole-context copy for inspect's practice verdict, but no finding of their own for lint (DW116 names them only
beside heavier junk; on the real-world corpus no maintainer would act on a copied Dockerfile alone)."""
JUNK_SUFFIXES = (".pyc", ".pyo")
BYTECODE = frozenset({"__pycache__", ".pyc", ".pyo"})
"""Junk in a build context, but made on purpose inside an image (`python -m compileall` at build time)."""


def is_package_file(path: str) -> bool:
    """`path` (relative to the image root) belongs to an installed package: system dirs, site-/dist-packages."""
    return path.startswith(SYSTEM_DIRS) or "/site-packages/" in path or "/dist-packages/" in path


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name)) and not PUBLIC_NAME.search(name)


def is_secret_file(path: str, content: bytes | None = None) -> bool:
    """`path` (relative, slash-separated) is a credential file: by its name, and for the names in `BY_CONTENT` by
    its first `CONTENT_BYTES` when they are known (unknown content counts as secret)."""
    if not SECRET_FILE.search(path) or TEMPLATE_FILE.search(path):
        return False
    if content is None or not BY_CONTENT.search(path):
        return True
    if path.endswith(".pem"):  # a private key, or anything that is neither certificates nor public keys
        return bool(PRIVATE_KEY.search(content)) or (bool(content.strip()) and not _PUBLIC_PEM.search(content))
    return bool(_NPM_CREDENTIAL.search(content))


def needs_content(path: str) -> bool:
    """Whether `is_secret_file` decides `path` by its content."""
    return bool(BY_CONTENT.search(path)) and bool(SECRET_FILE.search(path))


def in_git_dir(path: str) -> bool:
    """`path` is inside a `.git` directory: history and remotes (tokens in URLs). `lint` counts copying it as a
    secret leak (DW115), `inspect` as a leftover cache (DI007) and as junk in the app directory; both report it."""
    return path.startswith(".git/") or "/.git/" in path


def junk_part(path: str) -> str | None:
    """The part of `path` (relative, slash-separated) that makes it build junk: a junk directory's path, a junk
    file's path, or a bytecode suffix ("x/.venv", "Dockerfile", ".pyc"); None for a file the app may need."""
    parts = path.split("/")
    for i, part in enumerate(parts[:-1]):
        if part in JUNK_DIRS:
            return "/".join(parts[: i + 1])
    if parts[-1] in JUNK_FILES:
        return path
    suffix = next((s for s in JUNK_SUFFIXES if parts[-1].endswith(s)), None)
    return suffix


def junk_label(part: str) -> str:
    """What a `junk_part` is called in messages: the directory or file name, or the suffix."""
    return part.rsplit("/", 1)[-1]
