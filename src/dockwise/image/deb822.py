"""deb822 paragraphs (dpkg status files, DEP-5 copyright files), read the quick way."""

from __future__ import annotations

from collections.abc import Iterator


def dpkg_paragraphs(text: str) -> Iterator[dict[str, str]]:
    """The stanzas of a deb822 file ("Field: value", continuation lines start with a space or a tab).

    python-debian's Deb822 gives the same result (tests/image/test_bases.py checks it on a real status file, and
    tests/image/test_licences.py on real copyright files) but its import chain costs more than the whole parse; only
    the first line of each field is kept.
    """
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if fields:
                yield fields
            fields = {}
        elif line[0] not in " \t#":
            key, sep, value = line.partition(":")
            if sep:
                fields[key.strip()] = value.strip()
    if fields:
        yield fields
