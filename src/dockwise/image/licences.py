"""Licences as SPDX expressions, from what a package ships: Debian's copyright files and Python's dist-info.

Debian (`/usr/share/doc/PKG/copyright`): a machine-readable (DEP-5) file gives a `License:` per Files paragraph (and
maybe one in its header); each is a DEP-5 expression of Debian short names (`GPL-2+ or Artistic, and BSD-3-clause`)
that maps to SPDX (`(GPL-2.0-or-later OR Artistic-1.0-Perl) AND BSD-3-Clause`). The package's licence is the AND of
its paragraphs' (every file is under its own). A free-text file gives what it names: the `/usr/share/common-licenses`
files it points to, the GNU licences it grants "or (at your option) any later version", and a few licence titles.

Python (dist-info `METADATA`): `License-Expression` (PEP 639), else `License` when it is a short name, else the
`License :: OSI Approved :: ...` classifiers (several: a choice, OR). The classifier "BSD License" names no variant:
the distribution's own licence file decides it, or it stays unknown.

A name with no SPDX identifier becomes `LicenseRef-<name>` (SPDX's form for other licences), so the expression is
always valid SPDX; `packaging.licenses` checks the identifiers and spells them as SPDX does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

from dockwise.image.deb822 import dpkg_paragraphs

LICENCE_REF = "LicenseRef-"

DEBIAN_NAMES = {
    "expat": "MIT",
    "mit": "MIT",
    "public-domain": "LicenseRef-public-domain",
    "pd": "LicenseRef-public-domain",
    "publicdomain": "LicenseRef-public-domain",
    # Unversioned GNU licences: each says "if the Program does not specify a version number of this License, you may
    # choose any version ever published".
    "gpl": "GPL-1.0-or-later",
    "lgpl": "LGPL-2.0-or-later",
    "gfdl": "GFDL-1.1-or-later",
    # /usr/share/common-licenses/Artistic is the Artistic License that ships with Perl; "Perl" is Perl's own terms.
    "artistic": "Artistic-1.0-Perl",
    "perl": "(Artistic-1.0-Perl OR GPL-1.0-or-later)",
    "apache-2": "Apache-2.0",
    "cc0": "CC0-1.0",
    "python": "Python-2.0",
    "psf-2": "PSF-2.0",
    "mpl-1.1": "MPL-1.1",
    "mpl-2": "MPL-2.0",
}
"""Debian short names (DEP-5 §7) whose SPDX identifier is not the same name in other letters."""

_GNU = re.compile(r"^(a?gpl|lgpl|gfdl|gfdl-niv)-?v?(\d)(?:\.(\d))?(\+)?$", re.IGNORECASE)
_WITH = re.compile(r"^(\S+) with (.+?)(?: exception)?$", re.IGNORECASE)
EXCEPTIONS = {
    "font": "Font-exception-2.0",
    "classpath": "Classpath-exception-2.0",
    "libtool": "Libtool-exception",
}
"""Exception names DEP-5 files write after `with` (`GPL-2+ with Font exception`) that have one SPDX exception id.
Others stay a LicenseRef: SPDX has no generic OpenSSL exception, and Autoconf, Bison and GCC have one per version."""

_COMMON_LICENCES = re.compile(r"/usr/share/common-licenses/([A-Za-z0-9][A-Za-z0-9.+-]*[A-Za-z0-9+])")
_OR_LATER = re.compile(
    r"GNU (Lesser |Library |Affero |Free Documentation )?(?:General Public )?License[^.]{0,120}?"
    r"version (\d)(?:\.(\d))?[,;]? (?:of the License[,;]? )?\(?or,? \(?at your option\)?,? any later version",
    re.IGNORECASE,
)
_TITLES = (
    (re.compile(r"PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2"), "PSF-2.0"),
    (re.compile(r"Apache License,? Version 2\.0", re.IGNORECASE), "Apache-2.0"),
    (re.compile(r"Mozilla Public License,? v(?:ersion|\.) ?2\.0", re.IGNORECASE), "MPL-2.0"),
)
"""Licence titles a free-text copyright file may quote in full."""

CLASSIFIERS = {
    "Apache Software License": "Apache-2.0",
    "Academic Free License (AFL)": "AFL-3.0",
    "Artistic License": "Artistic-2.0",
    "Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "European Union Public Licence 1.2 (EUPL 1.2)": "EUPL-1.2",
    "GNU Affero General Public License v3": "AGPL-3.0-only",
    "GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
    "GNU Free Documentation License (FDL)": "GFDL-1.1-or-later",
    "GNU General Public License (GPL)": "GPL-1.0-or-later",
    "GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
    "GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
    "GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "GNU Library or Lesser General Public License (LGPL)": "LGPL-2.0-or-later",
    "ISC License (ISCL)": "ISC",
    "MIT License": "MIT",
    "MIT No Attribution License (MIT-0)": "MIT-0",
    "Mozilla Public License 1.1 (MPL 1.1)": "MPL-1.1",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "Python Software Foundation License": "PSF-2.0",
    "The Unlicense (Unlicense)": "Unlicense",
    "Universal Permissive License (UPL)": "UPL-1.0",
    "zlib/libpng License": "Zlib",
    "Zope Public License": "ZPL-2.1",
    "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
}
"""`License :: OSI Approved :: X` (and `License :: X`) classifiers that name one licence, as SPDX."""

PYTHON_NAMES = {
    "apache 2.0": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "apache license, version 2.0": "Apache-2.0",
    "apache software license": "Apache-2.0",
    "apache software license 2.0": "Apache-2.0",
    "apache 2": "Apache-2.0",
    "asl 2": "Apache-2.0",
    "bsd 3-clause": "BSD-3-Clause",
    "bsd 3-clause license": "BSD-3-Clause",
    "3-clause bsd": "BSD-3-Clause",
    "3-clause bsd license": "BSD-3-Clause",
    "new bsd": "BSD-3-Clause",
    "new bsd license": "BSD-3-Clause",
    "modified bsd license": "BSD-3-Clause",
    "bsd 2-clause": "BSD-2-Clause",
    "bsd 2-clause license": "BSD-2-Clause",
    "simplified bsd": "BSD-2-Clause",
    "mit license": "MIT",
    "the mit license": "MIT",
    "expat": "MIT",
    "isc license": "ISC",
    "psf": "PSF-2.0",
    "psf license": "PSF-2.0",
    "python software foundation license": "PSF-2.0",
    "gplv2": "GPL-2.0-only",
    "gplv2+": "GPL-2.0-or-later",
    "gplv3": "GPL-3.0-only",
    "gplv3+": "GPL-3.0-or-later",
    "lgplv2+": "LGPL-2.0-or-later",
    "lgplv3": "LGPL-3.0-only",
    "lgplv3+": "LGPL-3.0-or-later",
    "mpl 2.0": "MPL-2.0",
    "mpl-2": "MPL-2.0",
    "unlicense": "Unlicense",
}
"""Short names that `License:` fields hold in practice and that are not SPDX identifiers themselves."""


def spdx_id(name: str) -> str | None:
    """`name` as a single SPDX licence identifier (SPDX's spelling), or None when it is none."""
    if not name or " " in name or "(" in name:
        return None
    try:
        return str(canonicalize_license_expression(name))
    except InvalidLicenseExpression:
        return None


def canonical(expression: str) -> str | None:
    """`expression` as a valid SPDX expression in SPDX's spelling, or None when it is not one."""
    try:
        return str(canonicalize_license_expression(expression))
    except InvalidLicenseExpression:
        return None


def licence_ref(name: str) -> str:
    """SPDX's form for a licence without an identifier: `LicenseRef-` and the name in the characters it allows."""
    return LICENCE_REF + (re.sub(r"[^A-Za-z0-9.]+", "-", name.replace("+", "-plus")).strip("-") or "unknown")


def debian_name(name: str) -> str:
    """One Debian short name (`GPL-2+`, `BSD-3-clause`, `Expat`, `GPL-2+ with OpenSSL exception`) as SPDX: an
    identifier, an `X WITH exception`, or a LicenseRef."""
    name = name.strip()
    if found := _WITH.match(name.replace("-WITH-", " with ")):
        licence = debian_name(found.group(1))
        exception = EXCEPTIONS.get(found.group(2).strip().lower()) or _exception_id(found.group(2))
        if exception and not licence.startswith(LICENCE_REF):
            return f"{licence} WITH {exception}"
        return licence_ref(name)
    if mapped := DEBIAN_NAMES.get(name.lower()):
        return mapped
    if found := _GNU.match(name):
        family, major, minor, later = found.groups()
        family = family.upper()
        version = f"{major}.{minor or 0}"
        if family == "GFDL-NIV":
            return f"GFDL-{version}-no-invariants-{'or-later' if later else 'only'}"
        candidate = f"{family}-{version}-{'or-later' if later else 'only'}"
        if spdx_id(candidate):
            return candidate
    if name.endswith("+") and (identifier := spdx_id(name[:-1])):
        return identifier + "+"
    return spdx_id(name) or licence_ref(name)


def _exception_id(name: str) -> str | None:
    for candidate in (name.strip(), name.strip() + "-exception"):
        found = canonical(f"MIT WITH {candidate.replace(' ', '-')}")
        if found:
            return found.split(" WITH ", 1)[1]
    return None


def dep5_expression(synopsis: str) -> str | None:
    """A DEP-5 `License:` synopsis (`GPL-2+ or Artistic, and BSD-3-clause`) as an SPDX expression; None if empty.

    In DEP-5 `and` binds tighter than `or`, as in SPDX; a comma before `and`/`or` ends a group of lower precedence.
    """
    synopsis = " ".join(synopsis.split())
    if not synopsis:
        return None
    groups: list[tuple[str, str]] = []
    for group in re.split(r",\s*(?=(?:and|or)\s)", synopsis, flags=re.IGNORECASE):
        operator, _, rest = group.partition(" ")
        joiner = ""
        if operator.lower() in ("and", "or") and groups:
            joiner, group = operator.upper(), rest
        terms = re.split(r"\s+(and|or)\s+", group, flags=re.IGNORECASE)
        text = debian_name(terms[0])
        for position in range(1, len(terms), 2):
            text += f" {terms[position].upper()} {debian_name(terms[position + 1])}"
        groups.append((joiner, text))
    if len(groups) == 1:
        return groups[0][1]
    return " ".join(
        (f"{joiner} " if joiner else "") + (f"({text})" if " " in text else text) for joiner, text in groups
    )


def all_of(expressions: Iterable[str]) -> str | None:
    """The AND of `expressions`, each term once (an OR inside is kept whole, in parentheses)."""
    terms: list[str] = []
    for expression in expressions:
        for term in _and_terms(expression):
            if term not in terms:
                terms.append(term)
    if not terms:
        return None
    if len(terms) == 1:
        return terms[0][1:-1] if terms[0].startswith("(") and _balanced(terms[0][1:-1]) else terms[0]
    return " AND ".join(terms)


def _and_terms(expression: str) -> list[str]:
    """The top-level AND terms of an expression, an OR-term parenthesised (the whole of it when OR is its top-level
    operator: `A AND B OR C` is `(A AND B) OR C`)."""
    if _top_level_or(expression):
        return [f"({expression})"]
    parts: list[str] = []
    depth, current = 0, ""
    for token in re.split(r"(\(|\)|\s+AND\s+)", expression):
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        if depth == 0 and re.fullmatch(r"\s+AND\s+", token):
            parts.append(current.strip())
            current = ""
        else:
            current += token
    parts.append(current.strip())
    return [f"({part})" if _top_level_or(part) else part for part in parts if part]


def _top_level_or(expression: str) -> bool:
    depth = 0
    for token in re.split(r"(\(|\)|\s+OR\s+)", expression):
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif depth == 0 and re.fullmatch(r"\s+OR\s+", token):
            return True
    return False


def _balanced(expression: str) -> bool:
    depth = 0
    for char in expression:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def is_dep5(text: str) -> bool:
    """The copyright file declares the machine-readable format (DEP-5) in its first field."""
    return text.lstrip().lower().startswith("format:") and "copyright-format" in text.split("\n", 1)[0].lower()


def debian_licence(text: str) -> str | None:
    """The SPDX expression of a Debian copyright file, or None when it names no licence we can tell."""
    if is_dep5(text):
        expressions = []
        for number, paragraph in enumerate(dpkg_paragraphs(text)):
            synopsis = paragraph.get("License")
            if synopsis and (number == 0 or "Files" in paragraph):
                expression = dep5_expression(synopsis)
                if expression:
                    expressions.append(expression)
        if expressions:
            return all_of(expressions)
    return free_text_licence(text)


def free_text_licence(text: str) -> str | None:
    """What a copyright file in free text names: its common-licenses files, its GNU "or any later version" grants
    and the licence titles it quotes (AND of them all)."""
    flat = " ".join(text.split())
    found: list[str] = []
    later = set()
    for match in _OR_LATER.finditer(flat):
        kind, major, minor = match.groups()
        family = {"lesser ": "LGPL", "library ": "LGPL", "affero ": "AGPL", "free documentation ": "GFDL"}.get(
            (kind or "").lower(), "GPL"
        )
        later.add((family, major, minor or "0"))
    referenced = set(_COMMON_LICENCES.findall(text))
    versioned = {gnu.group(1).upper() for name in referenced if (gnu := _GNU.match(name))}
    for family, major, minor in sorted(later):
        found.append(f"{family}-{major}.{minor}-or-later")
    for name in sorted(referenced):
        gnu = _GNU.match(name)
        if not gnu and name.upper() in versioned:
            continue  # `common-licenses/GPL` beside `GPL-3`: the link to the current version, not "any version"
        if gnu and (gnu.group(1).upper(), gnu.group(2), gnu.group(3) or "0") in later and not gnu.group(4):
            continue  # the file grants "or any later version" of the very licence it points to
        found.append(debian_name(name))
    for title, identifier in _TITLES:
        if title.search(flat):
            found.append(identifier)
    return all_of(found)


def python_licence(metadata: str, licence_texts: Iterable[str] = ()) -> str | None:
    """The SPDX expression of a distribution's METADATA (and its licence files, for an unspecific classifier)."""
    fields = metadata_fields(metadata)
    for value in fields.get("license-expression", []):
        if found := canonical(value.strip()):
            return found
    for value in fields.get("license", []):
        if found := _short_name(value):
            return found
    chosen: list[str] = []
    for classifier in fields.get("classifier", []):
        parts = [part.strip() for part in classifier.split("::")]
        if parts[0] != "License" or len(parts) < 2:
            continue
        name = parts[-1]
        identifier = CLASSIFIERS.get(name)
        if identifier is None and name == "BSD License":
            identifier = next((variant for text in licence_texts if (variant := bsd_variant(text))), None)
        if identifier and identifier not in chosen:
            chosen.append(identifier)
    if not chosen:
        return None
    return " OR ".join(chosen)


def metadata_fields(metadata: str) -> dict[str, list[str]]:
    """The header fields of a METADATA file (RFC 822: up to the first blank line), lower-case names, every value."""
    fields: dict[str, list[str]] = {}
    last: list[str] | None = None
    for line in metadata.splitlines():
        if not line.strip():
            break
        if line[0] in " \t" and last is not None:
            last[-1] += "\n" + line.strip()
            continue
        key, sep, value = line.partition(":")
        if sep:
            last = fields.setdefault(key.strip().lower(), [])
            last.append(value.strip())
    return fields


def _short_name(value: str) -> str | None:
    """A `License:` value that is a short name (an SPDX expression or a name in PYTHON_NAMES); not a licence text."""
    value = value.strip()
    if not value or "\n" in value or len(value) > 80:
        return None
    return PYTHON_NAMES.get(value.lower().rstrip(".")) or (canonical(value) if value.upper() != "UNKNOWN" else None)


def bsd_variant(text: str) -> str | None:
    """Which BSD licence a licence text is: its clauses decide (advertising: 4, endorsement: 3, else 2)."""
    flat = " ".join(text.split()).lower()
    if "redistribution and use in source and binary forms" not in flat:
        return None
    if "advertising materials" in flat:
        return "BSD-4-Clause"
    if "endorse or promote products derived from this software" in flat:
        return "BSD-3-Clause"
    return "BSD-2-Clause"
