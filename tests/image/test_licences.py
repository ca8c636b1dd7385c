"""Licences as SPDX expressions: real Debian copyright files (tests/fixtures/licences/debian, copied from the Debian 13
packages in dockwise's distroless and slim bases; `.head` files are the first lines of a longer file) and real dist-info METADATA
(tests/fixtures/licences/python, the header part, from the reference service's wheels)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.licenses import canonicalize_license_expression

from dockwise.image.deb822 import dpkg_paragraphs
from dockwise.image.licences import (
    CLASSIFIERS,
    DEBIAN_NAMES,
    EXCEPTIONS,
    PYTHON_NAMES,
    all_of,
    bsd_variant,
    debian_licence,
    debian_name,
    dep5_expression,
    is_dep5,
    python_licence,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "licences"
DEBIAN = FIXTURES / "debian"
PYTHON = FIXTURES / "python"


def _debian(name: str) -> str:
    return (DEBIAN / name).read_text()


def _python(name: str) -> str:
    return (PYTHON / name).read_text()


@pytest.mark.parametrize(
    ("name", "spdx"),
    [
        ("GPL-2", "GPL-2.0-only"),
        ("GPL-2+", "GPL-2.0-or-later"),
        ("LGPL-2.1", "LGPL-2.1-only"),
        ("LGPL-2.1+", "LGPL-2.1-or-later"),
        ("GPL-3.0+", "GPL-3.0-or-later"),
        ("AGPL-3+", "AGPL-3.0-or-later"),
        ("GFDL-1.2", "GFDL-1.2-only"),
        ("GFDL-NIV-1.3+", "GFDL-1.3-no-invariants-or-later"),
        ("BSD-3-clause", "BSD-3-Clause"),
        ("bsd-2-CLAUSE", "BSD-2-Clause"),
        ("Expat", "MIT"),
        ("zlib", "Zlib"),
        ("Ms-PL", "MS-PL"),
        ("Apache-2.0", "Apache-2.0"),
        ("Apache-2", "Apache-2.0"),
        ("MPL-1.1+", "MPL-1.1+"),
        ("GPL", "GPL-1.0-or-later"),
        ("Artistic", "Artistic-1.0-Perl"),
        ("public-domain", "LicenseRef-public-domain"),
        ("GPL-2+ with Font exception", "GPL-2.0-or-later WITH Font-exception-2.0"),
        ("GPL-2+ with OpenSSL exception", "LicenseRef-GPL-2-plus-with-OpenSSL-exception"),
        ("GPL-3.0-or-later-WITH-Autoconf-exception-macro", "GPL-3.0-or-later WITH Autoconf-exception-macro"),
        ("GPL-2+-with-link-exception", "LicenseRef-GPL-2-plus-with-link-exception"),
        ("BSD-3-clause-Berkeley", "LicenseRef-BSD-3-clause-Berkeley"),
        ("MIT/X11", "LicenseRef-MIT-X11"),
    ],
)
def test_debian_short_names_map_to_spdx(name, spdx):
    assert debian_name(name) == spdx


@pytest.mark.parametrize(
    ("synopsis", "spdx"),
    [
        ("BSD-3-clause or GPL-2", "BSD-3-Clause OR GPL-2.0-only"),
        ("Sleepycat and BSD-3-clause", "Sleepycat AND BSD-3-Clause"),
        # DEP-5's own example: the comma gives `and` the lower precedence.
        ("GPL-2+ or Artistic-2.0, and BSD-3-clause", "(GPL-2.0-or-later OR Artistic-2.0) AND BSD-3-Clause"),
        ("MPL-1.1 or GPL-2+ or LGPL-2.1+", "MPL-1.1 OR GPL-2.0-or-later OR LGPL-2.1-or-later"),
        # Debian's "Perl" is itself a choice: it stays one inside an AND.
        ("Perl and MIT", "(Artistic-1.0-Perl OR GPL-1.0-or-later) AND MIT"),
        ("  ", None),
    ],
)
def test_dep5_synopses(synopsis, spdx):
    assert dep5_expression(synopsis) == spdx


@pytest.mark.parametrize(
    ("package", "spdx"),
    [
        ("netbase", "GPL-2.0-only"),
        ("base-files", "GPL-2.0-or-later AND LicenseRef-verbatim"),
        ("libssl3t64", "Apache-2.0 AND (Artistic-1.0-Perl OR GPL-1.0-or-later)"),
        # The standalone `License: GPL-2` paragraph only gives the text of a choice; it covers no files of its own.
        ("libzstd1", "(BSD-3-Clause OR GPL-2.0-only) AND Zlib AND MIT"),
        ("media-types", "LicenseRef-ad-hoc"),
        # Free text: "either version 3, or (at your option) any later version", pointing at common-licenses/GPL-3.
        ("gcc-14-base.head", "GPL-3.0-or-later"),
        ("python3.13-minimal.head", "PSF-2.0"),
        # "version 2.1 (or, at your option, any later version)": the other way of saying it.
        ("libcrypt1.head", "LGPL-2.1-or-later"),
    ],
)
def test_real_copyright_files(package, spdx):
    assert debian_licence(_debian(package)) == spdx


def test_every_files_paragraph_counts_once_in_the_and():
    expression = debian_licence(_debian("liblzma5"))
    assert expression is not None
    terms = expression.split(" AND ")
    assert len(terms) == len(set(terms))
    assert "0BSD" in terms and "GPL-3.0-or-later WITH Autoconf-exception-macro" in terms
    assert canonicalize_license_expression(expression) == expression


@pytest.mark.parametrize("package", sorted(p.name for p in DEBIAN.iterdir() if not p.name.endswith(".head")))
def test_our_dep5_reading_agrees_with_python_debian(package):
    """The same License synopses as python-debian's DEP-5 parser (the header's and each Files paragraph's)."""
    from debian.copyright import Copyright

    text = _debian(package)
    assert is_dep5(text)
    parsed = Copyright(text.splitlines(), strict=False)
    theirs = [parsed.header.license.synopsis] if parsed.header.license else []
    theirs += [p.license.synopsis for p in parsed.all_files_paragraphs() if p.license]
    ours = [p["License"] for n, p in enumerate(dpkg_paragraphs(text)) if "License" in p and (n == 0 or "Files" in p)]
    assert ours == theirs


def test_a_file_that_names_nothing_has_no_licence():
    assert debian_licence("This package was debianized by someone.\nCopyright: 2001 someone\n") is None
    assert debian_licence("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n") is None


def test_free_text_keeps_a_pinned_version_it_does_not_grant_later():
    text = "Licensed under the GNU General Public License version 2.\nSee /usr/share/common-licenses/GPL-2.\n"
    assert debian_licence(text) == "GPL-2.0-only"


_NAMES = st.sampled_from(
    [
        *("GPL-2", "GPL-2+", "LGPL-2.1+", "BSD-3-clause", "Expat", "public-domain", "BSD-variant", "X11", "zlib"),
        *("MIT/X11", "Perl", "GPL-2+ with OpenSSL exception", "GPL-2+ with Foo exception"),
    ]
)


@given(st.lists(st.lists(_NAMES, min_size=1, max_size=3), min_size=1, max_size=4), st.lists(st.booleans(), min_size=8))
def test_any_dep5_synopsis_gives_a_valid_canonical_expression(groups, ors):
    words = iter(ors * 4)
    synopsis = ", and ".join(
        group[0] + "".join(f" {'or' if next(words) else 'and'} {name}" for name in group[1:]) for group in groups
    )
    expression = all_of([dep5_expression(synopsis) or ""])
    assert expression is not None
    assert canonicalize_license_expression(expression) == expression


def test_python_licence_expression_wins():
    assert python_licence(_python("flask-3.1.3.METADATA")) == "BSD-3-Clause"
    assert python_licence("License-Expression: not a (licence\nLicense: MIT\n") == "MIT"


def test_python_licence_short_name_before_classifiers():
    assert python_licence(_python("granian-2.8.9.METADATA")) == "BSD-3-Clause"
    assert python_licence("License: Apache 2.0\nClassifier: License :: OSI Approved :: MIT License\n") == "Apache-2.0"


def test_a_licence_text_in_the_license_field_is_not_a_name():
    metadata = "License: Copyright (c) 2020 someone\n        Permission is hereby granted, free of charge\n"
    assert python_licence(metadata) is None
    assert python_licence(metadata + "Classifier: License :: OSI Approved :: MIT License\n") == "MIT"


def test_python_classifiers():
    assert python_licence(_python("blinker-1.9.0.METADATA")) == "MIT"
    both = (
        "Classifier: License :: OSI Approved :: Apache Software License\n"
        "Classifier: License :: OSI Approved :: MIT License\n"
        "Classifier: Programming Language :: Python\n"
    )
    assert python_licence(both) == "Apache-2.0 OR MIT"


def test_the_bsd_classifier_needs_the_licence_file_to_say_which():
    metadata = _python("jinja2-3.1.6.METADATA")
    assert python_licence(metadata) is None
    assert python_licence(metadata, [_python("jinja2-3.1.6.LICENSE.txt")]) == "BSD-3-Clause"


def test_bsd_variants_by_their_clauses():
    three = _python("jinja2-3.1.6.LICENSE.txt")
    two = three[: three.index("3.  Neither")] + three[three.index("THIS SOFTWARE") :]
    assert bsd_variant(three) == "BSD-3-Clause"
    assert bsd_variant(two) == "BSD-2-Clause"
    assert bsd_variant("All advertising materials mentioning\n" + three) == "BSD-4-Clause"
    assert bsd_variant("Permission is hereby granted, free of charge") is None


def test_metadata_body_is_not_read():
    assert python_licence("Name: x\n\nLicense: MIT\n") is None


def test_every_table_entry_is_canonical_spdx():
    values = [*DEBIAN_NAMES.values(), *CLASSIFIERS.values(), *PYTHON_NAMES.values()]
    values += [f"GPL-2.0-or-later WITH {exception}" for exception in EXCEPTIONS.values()]
    assert [v for v in values if canonicalize_license_expression(v) != v] == []
