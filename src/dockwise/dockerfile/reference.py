"""Image references as `docker build` reads them: the grammar of distribution/reference (the package BuildKit and the
Docker CLI parse every `FROM` with), and the parts of a reference rules ask about.

    reference  := name [ ":" tag ] [ "@" digest ]
    name       := [ domain "/" ] path-component { "/" path-component }
    domain     := host [ ":" port ]     -- the first component, when it has a "." or ":", is "localhost", or has
                                           upper case letters (a lowercase remote name cannot)
    path-component := [a-z0-9]+ { ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ }
    tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
    digest     := algorithm ":" hex{32,}
"""

from __future__ import annotations

import re

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[0-9a-fA-F:.]+\])"
_DOMAIN = re.compile(rf"{_HOST}(?::[0-9]+)?")
_PATH = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*")
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_DIGEST = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}")
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})
NAME_TOTAL_LENGTH_MAX = 255


def split(reference: str) -> tuple[str | None, str, str | None, str | None]:
    """(domain, path, tag, digest) of a reference, without validating it."""
    rest, _, digest = reference.partition("@")
    tag = None
    last_slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > last_slash:
        rest, tag = rest[:colon], rest[colon + 1 :]
    domain = None
    first, sep, remainder = rest.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost" or first.lower() != first):
        domain, rest = first, remainder
    return domain, rest, tag, digest or None


def problem(reference: str) -> str | None:
    """Why `reference` is not a valid image reference (the Docker CLI's wording), or None when it is."""
    if not reference:
        return "invalid reference format: empty reference"
    domain, path, tag, digest = split(reference)
    if domain is not None and not _DOMAIN.fullmatch(domain):
        return f"invalid reference format: bad registry {domain!r}"
    if not _PATH.fullmatch(path):
        if _PATH.fullmatch(path.lower()):
            return "invalid reference format: repository name must be lowercase"
        return "invalid reference format"
    if len(path) + (len(domain) + 1 if domain else 0) > NAME_TOTAL_LENGTH_MAX:
        return f"invalid reference format: repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters"
    if tag is not None and not _TAG.fullmatch(tag):
        return f"invalid reference format: bad tag {tag!r}"
    if digest is not None and not _DIGEST.fullmatch(digest):
        return f"invalid reference format: bad digest {digest!r}"
    return None


def is_local_only(reference: str) -> bool:
    """A reference to an image that exists only on this machine (`localhost/...`, podman's prefix for local builds):
    there is no registry to resolve a digest against."""
    domain = split(reference)[0]
    return domain is not None and re.sub(r":[0-9]+$", "", domain).lower() in _LOCAL_HOSTS
