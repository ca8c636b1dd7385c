"""Hostile images (issue 15): bounded time and memory, a correct result or one line with exit 2, and output that
stays well-formed whatever bytes the image's names hold. The inputs are built by tests/image/hostile_inputs.py
(benchmarks/hostile_images.py times the worst cases at full size).
"""

from __future__ import annotations

import json
import tracemalloc
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from dockwise.cli import main
from dockwise.core.errors import DockwiseError
from dockwise.image import collect
from dockwise.image.sbom import sbom_json
from tests.image import hostile_inputs as hostile
from tests.image.archives import F, docker_save, layer

MIB = 1 << 20


def _peak_while(fn):
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_entry_20000_components_deep_costs_memory_linear_in_its_length(tmp_path):
    path = hostile.deep_entry_path(tmp_path, depth=20_000)
    facts, peak = _peak_while(lambda: collect(path))
    assert facts.file_count == 1
    assert peak < 32 * MIB, f"{peak / MIB:.0f} MiB"  # main stored every ancestor path: 417 MB


def test_a_symlink_with_a_60000_component_target_resolves_in_bounded_time(tmp_path):
    run = hostile.run_dockwise(["inspect", hostile.long_symlink_target(tmp_path), "--format", "json"], timeout=30)
    assert run.code in (0, 1), run.stderr
    assert json.loads(run.stdout)["image"]["shells"] == []  # a target longer than PATH_MAX resolves to nothing


@pytest.mark.slow
def test_a_gzip_bomb_is_refused_after_a_bounded_expansion(tmp_path):
    path = hostile.gzip_bomb(tmp_path, expanded=320 * MIB)  # ~300 KB of gzip
    run = hostile.run_dockwise(["inspect", path], timeout=60)
    assert run.code == 2, run.stderr
    assert b"refused as a decompression bomb" in run.stderr and run.stderr.count(b"\n") == 1
    assert run.peak_mib < 150


@pytest.mark.slow
def test_a_gzip_layer_below_the_cap_streams_in_bounded_memory(tmp_path):
    path = hostile.gzip_bomb(tmp_path, expanded=200 * MIB)  # 1000x, but below the 256 MiB floor: read through
    facts, peak = _peak_while(lambda: collect(path))
    assert facts.size_bytes > 200 * MIB and facts.file_count == 1
    assert peak < 8 * MIB, f"{peak / MIB:.1f} MiB"


def test_a_fifo_as_the_image_path_is_refused_without_blocking(tmp_path):
    run = hostile.run_dockwise(["inspect", hostile.fifo_image_path(tmp_path)], timeout=20)
    assert run.code == 2 and b"not a regular file" in run.stderr


def test_a_fifo_as_the_image_path_with_a_prefix_is_refused_without_blocking(tmp_path):
    run = hostile.run_dockwise(["inspect", "docker-archive:" + hostile.fifo_image_path(tmp_path)], timeout=20)
    assert run.code == 2 and b"not a regular file" in run.stderr


def test_a_fifo_blob_in_a_layout_is_refused_without_blocking(tmp_path):
    run = hostile.run_dockwise(["inspect", hostile.fifo_blob(tmp_path)], timeout=20)
    assert run.code == 2 and b"is not a regular file" in run.stderr


def test_a_blobs_directory_symlinked_out_of_the_layout_is_not_followed(tmp_path):
    with pytest.raises(DockwiseError, match="cannot be opened") as caught:
        collect(hostile.blobs_symlinked_outside(tmp_path))
    assert caught.value.exit_code == 2


def test_a_hard_link_to_a_missing_file_is_an_error_not_a_present_file(tmp_path):
    with pytest.raises(DockwiseError, match="hard link 'usr/bin/apt-get' names 'usr/bin/nowhere'") as caught:
        collect(hostile.missing_hardlink_target(tmp_path))
    assert caught.value.exit_code == 2


def test_a_hard_link_to_an_earlier_file_counts_as_that_file(tmp_path):
    path = docker_save(
        [
            layer(F("usr/bin/dpkg", b"\x7fELF", mode=0o755)),
            layer(F("usr/bin/apt-get", kind="hardlink", link="usr/bin/dpkg")),
        ]
    ).write_tar(tmp_path / "l.tar")
    assert collect(str(path)).package_managers == ("apt", "dpkg")


def test_an_empty_package_line_is_skipped_and_the_sbom_stays_valid(tmp_path):
    path = hostile.empty_package_line(tmp_path)
    facts = collect(path)
    assert [p.name for p in facts.debian_packages] == ["libc6"]
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(sbom_json(facts)) is None
    result = CliRunner().invoke(main, ["sbom", path])
    assert result.exit_code == 0 and "pkg:deb/debian/libc6@2.41-12" in result.output


def _no_terminal_controls(text: str) -> None:
    assert not any(ch in text for ch in "\x1b\x07\x9b"), repr(text[:300])
    assert all(not 0xDC80 <= ord(ch) <= 0xDCFF for ch in text), "undecodable bytes reached the output"


def test_names_with_escapes_markup_and_bad_bytes_are_shown_escaped_in_text(tmp_path):
    result = CliRunner().invoke(main, ["inspect", hostile.hostile_names(tmp_path), "--color"])
    assert result.exit_code == 1
    plain = result.output.replace("\x1b[", "\x00[")  # our own colour codes are fine; nothing else may escape
    stripped = __import__("re").sub(r"\x00\[[0-9;]*m", "", plain)
    _no_terminal_controls(stripped.replace("\x00", ""))
    assert "\\x1b]0;owned\\x07\\x1b[2J.env" in stripped  # shown, escaped
    assert "\\xff\\xfe-key.env" in stripped
    assert "[red]sudo[/red]" in stripped and "[bold]hi[/bold]" in stripped  # not taken for rich markup
    assert "\nDI999" not in stripped  # the new line in a name cannot start a line of its own


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "junit"])
def test_every_format_written_with_o_is_well_formed_utf8(tmp_path, fmt):
    out = tmp_path / f"report.{fmt}"
    result = CliRunner().invoke(main, ["inspect", hostile.hostile_names(tmp_path), "--format", fmt, "-o", str(out)])
    assert result.exit_code == 1, result.output
    text = out.read_bytes().decode("utf-8")  # strict: no raw non-UTF-8 bytes written back
    _no_terminal_controls(text)
    if fmt in ("json", "sarif"):
        json.loads(text)
    if fmt == "junit":
        ET.fromstring(text.encode())
    if fmt == "github":
        assert all(line.startswith("::") for line in text.splitlines())


@pytest.mark.parametrize("fmt", ["table", "markdown", "html", "json"])
def test_compare_output_with_hostile_names_is_well_formed_utf8(tmp_path, fmt):
    out = tmp_path / f"compare.{fmt}"
    result = CliRunner().invoke(
        main, ["compare", "--no-runtime", "--format", fmt, "-o", str(out), hostile.hostile_names(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    text = out.read_bytes().decode("utf-8")
    _no_terminal_controls(text)
    if fmt == "json":
        json.loads(text)
