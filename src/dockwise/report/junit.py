"""Findings as JUnit XML: one testsuite per file, one failed testcase per finding, a passing one for a clean file.

Well-formed XML 1.0 whatever the names: findings carry only printable text (`Finding`), and so do the file names."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from dockwise.core.errors import printable
from dockwise.core.findings import Finding


def render(findings: Sequence[Finding], files: Sequence[str] = ()) -> str:
    """`files` lists every file (or image) checked, so that clean ones appear as passing test cases."""
    names = list(dict.fromkeys([*(printable(name, one_line=True) for name in files), *(f.file for f in findings)]))
    root = ET.Element("testsuites", name="dockwise", failures=str(len(findings)))
    total = 0
    for name in names:
        mine = [f for f in findings if f.file == name]
        suite = ET.SubElement(root, "testsuite", name=name, tests=str(max(len(mine), 1)), failures=str(len(mine)))
        if not mine:
            ET.SubElement(suite, "testcase", name="dockwise", classname=name)
            total += 1
        for f in mine:
            where = f"{name}:{f.line}" if f.line else name
            case = ET.SubElement(suite, "testcase", name=f"{f.rule} {where}", classname=name)
            failure = ET.SubElement(case, "failure", type=f.severity.label(), message=f.message)
            failure.text = f"{where}: {f.rule} {f.message}\nfix: {f.fix}"
            total += 1
    root.set("tests", str(total))
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
