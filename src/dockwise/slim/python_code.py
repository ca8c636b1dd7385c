"""Python knowledge the keep-set needs, read from the image on the host: which bytecode file is valid for which
source (PEP 552 headers, checked the way importlib checks them), the distributions installed in a site directory
(dist-info RECORD and Requires-Dist), and the modules a source file imports (found by a line scanner, so that code
for any Python version can be read by the host's Python).
"""

from __future__ import annotations

import posixpath
import re
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass

PYC_HEADER = 16
FLAG_HASH_BASED, FLAG_CHECK_SOURCE = 0b01, 0b10
_MASK64 = (1 << 64) - 1


def _rotl(value: int, bits: int) -> int:
    return ((value << bits) | (value >> (64 - bits))) & _MASK64


def siphash13(k0: int, k1: int, data: bytes) -> int:
    """SipHash-1-3, the keyed hash CPython (3.11+) uses for hash-based pyc files (`_imp.source_hash`)."""
    v0, v1 = k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D
    v2, v3 = k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573

    def sip_round(v0: int, v1: int, v2: int, v3: int) -> tuple[int, int, int, int]:
        v0 = (v0 + v1) & _MASK64
        v1 = _rotl(v1, 13) ^ v0
        v0 = _rotl(v0, 32)
        v2 = (v2 + v3) & _MASK64
        v3 = _rotl(v3, 16) ^ v2
        v0 = (v0 + v3) & _MASK64
        v3 = _rotl(v3, 21) ^ v0
        v2 = (v2 + v1) & _MASK64
        v1 = _rotl(v1, 17) ^ v2
        v2 = _rotl(v2, 32)
        return v0, v1, v2, v3

    tail_start = len(data) - len(data) % 8
    for offset in range(0, tail_start, 8):
        (word,) = struct.unpack_from("<Q", data, offset)
        v3 ^= word
        v0, v1, v2, v3 = sip_round(v0, v1, v2, v3)
        v0 ^= word
    last = ((len(data) & 0xFF) << 56) | int.from_bytes(data[tail_start:], "little")
    v3 ^= last
    v0, v1, v2, v3 = sip_round(v0, v1, v2, v3)
    v0 ^= last
    v2 ^= 0xFF
    for _ in range(3):
        v0, v1, v2, v3 = sip_round(v0, v1, v2, v3)
    return (v0 ^ v1 ^ v2 ^ v3) & _MASK64


def pyc_matches(pyc_head: bytes, source_mtime: int, source_size: int, source: Callable[[], bytes]) -> bool:
    """Would importlib use this cached bytecode for this source? Timestamp pycs carry the source's mtime and size;
    hash-based ones its SipHash keyed with the magic number (an unchecked one is used whatever the source says)."""
    if len(pyc_head) < PYC_HEADER or pyc_head[2:4] != b"\r\n":
        return False
    (flags,) = struct.unpack_from("<I", pyc_head, 4)
    if not flags & FLAG_HASH_BASED:
        mtime, size = struct.unpack_from("<II", pyc_head, 8)
        return mtime == source_mtime & 0xFFFFFFFF and size == source_size & 0xFFFFFFFF
    if not flags & FLAG_CHECK_SOURCE:
        return True
    key = int.from_bytes(pyc_head[:4], "little")
    return siphash13(key, 0, source()).to_bytes(8, "little") == pyc_head[8:16]


def cached_pyc(source_path: str, cache_tag: str) -> str:
    """PEP 3147: where `dir/mod.py`'s bytecode lives (`dir/__pycache__/mod.<tag>.pyc`)."""
    directory, name = posixpath.split(source_path)
    return posixpath.join(directory, "__pycache__", f"{name[:-3]}.{cache_tag}.pyc")


def sourceless_pyc(source_path: str) -> str:
    """Where bytecode must sit to be imported without its source (PEP 3147's legacy location)."""
    return source_path[:-3] + ".pyc"


# -- distributions ----------------------------------------------------------------------------------------------

_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def canonical_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Distribution:
    """An installed distribution: its dist-info directory, the files its RECORD lists (image paths) and the names
    its METADATA requires (markers and extras ignored: a dependency that is installed is kept)."""

    name: str
    version: str
    dist_info: str
    files: tuple[str, ...]
    requires: tuple[str, ...]


def read_distribution(dist_info: str, metadata: str, record: str | None) -> Distribution:
    site = posixpath.dirname(dist_info)
    name = version = ""
    requires = []
    for line in metadata.splitlines():
        if not line.strip():
            break  # the headers end at the first blank line; the description follows
        key, _, value = line.partition(":")
        if key == "Name":
            name = value.strip()
        elif key == "Version":
            version = value.strip()
        elif key == "Requires-Dist":
            requirement, _, marker = value.partition(";")
            if "extra" in marker:
                continue  # only for an extra nobody asked for at install time
            match = _REQUIREMENT_NAME.match(requirement)
            if match:
                requires.append(canonical_name(match.group(1)))
    files: list[str] = []
    for row in (record or "").splitlines():
        relative = row.rsplit(",", 2)[0] if row.count(",") >= 2 else row
        relative = relative.strip().strip('"')
        if relative:
            files.append(posixpath.normpath(posixpath.join(site, relative)))
    return Distribution(
        name or posixpath.basename(dist_info).split("-")[0],
        version,
        dist_info,
        tuple(files),
        tuple(dict.fromkeys(requires)),
    )


# -- imports ----------------------------------------------------------------------------------------------------

_IMPORT = re.compile(r"import[ \t]+([\w. \t,]+?)[ \t]*(?:#.*)?$")
_FROM = re.compile(r"from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\(?)(.*)$")
_BLOCK = re.compile(r"(async[ \t]+def|def|class|if|elif|else|try|except|finally|for|while|with|match|case)\b(.*)$")
_SKIPPED_IF = re.compile(r"if\s+(?:__name__\s*==\s*['\"]__main__['\"]|(?:typing\.)?TYPE_CHECKING\b)")


@dataclass(frozen=True)
class Imports:
    """Modules a source file may import: `executed` when the module itself is imported (module level, class
    bodies, `try` bodies), `lazy` inside functions. Imports in `except` handlers (fallbacks for an import that the
    kept code satisfies), under `if __name__ == "__main__"` and under `if TYPE_CHECKING` are left out."""

    executed: frozenset[str]
    lazy: frozenset[str]


def imported_names(source: str, module: str, is_package: bool) -> Imports:
    """The absolute module names of the `import` statements in `source` (relative ones resolved against `module`);
    `from a import b` yields `a` and `a.b` (b may be a submodule). A line scanner, not a parser: it reads code of
    any Python version, keeps track of blocks by indentation and skips triple-quoted strings."""
    executed: set[str] = set()
    lazy: set[str] = set()
    blocks: list[tuple[int, str]] = []  # (indentation, kind) of the enclosing block headers
    lines = source.splitlines()
    in_string: str | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        stripped = line.strip()
        if in_string:
            if stripped.count(in_string) % 2 == 1:
                in_string = None
            continue
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        while blocks and blocks[-1][0] >= indent:
            blocks.pop()
        for quote in ('"""', "'''"):
            if stripped.count(quote) % 2 == 1:
                in_string = quote
        kinds = {kind for _, kind in blocks}
        names = _statement_names(stripped, lines, index, module, is_package)
        if names and not kinds & {"except", "skip"}:
            (lazy if "def" in kinds else executed).update(names)
        block = _BLOCK.match(stripped)
        if block and stripped.endswith(":"):
            kind = block.group(1).split()[-1]
            if _SKIPPED_IF.match(stripped):
                kind = "skip"
            blocks.append((indent, "def" if kind == "def" else kind))
    return Imports(frozenset(executed), frozenset(lazy))


def _statement_names(stripped: str, lines: list[str], index: int, module: str, is_package: bool) -> set[str]:
    names: set[str] = set()
    for statement in stripped.split(";"):
        statement = statement.strip()
        match = _IMPORT.match(statement)
        if match:
            for part in match.group(1).split(","):
                words = part.split()
                if words:
                    names.add(words[0])
            continue
        match = _FROM.match(statement)
        if not match:
            continue
        base = match.group(1)
        if base.startswith("."):
            resolved = _resolve_relative(base, module, is_package)
            if resolved is None:
                continue
            base = resolved
        names.add(base)
        targets = match.group(3)
        if match.group(2):  # parenthesised: may continue over several lines
            more = index
            while ")" not in targets and more < len(lines):
                targets += "," + lines[more]
                more += 1
            targets = targets.split(")", 1)[0]
        for part in targets.split(","):
            words = part.split("#", 1)[0].split()
            if words and words[0].isidentifier():
                names.add(f"{base}.{words[0]}")
    return names


def _resolve_relative(base: str, module: str, is_package: bool) -> str | None:
    dots = len(base) - len(base.lstrip("."))
    package = module.split(".") if is_package else module.split(".")[:-1]
    if dots - 1 > len(package):
        return None
    anchor = package[: len(package) - (dots - 1)]
    rest = base[dots:]
    return ".".join([*anchor, rest] if rest else anchor) or None


def module_files(
    name: str, roots: Iterable[str], exists: Callable[[str], bool], extension_suffixes: tuple[str, ...]
) -> list[str]:
    """The files that make module `name` importable from the first root that has it: each parent package's
    `__init__.py` and the module itself (`.py`, a package's `__init__.py`, or an extension module). When only the
    parent packages exist (`from pkg import attribute`), those."""
    parts = name.split(".")
    for root in roots:
        found: list[str] = []
        directory = root
        for index, part in enumerate(parts):
            package_init = posixpath.join(directory, part, "__init__.py")
            if exists(package_init):
                found.append(package_init)
                directory = posixpath.join(directory, part)
                continue
            if index == len(parts) - 1:
                candidates = [posixpath.join(directory, part + suffix) for suffix in (".py", *extension_suffixes)]
                found += [c for c in candidates if exists(c)][:1]
            break
        if found:
            return found
    return []
