"""Image documents of the wrong shape (issue 15): manifest.json, the OCI index and manifest, and the config are
checked against the spec's shapes before use, so a field of the wrong JSON type, NaN or absurd nesting is one
line and exit 2 — never a traceback, and never a silently wrong fact (an Entrypoint string split into characters
and reported as exec form, a RepoTags string split into one-letter tags).
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dockwise.cli import main
from dockwise.core.errors import DockwiseError
from dockwise.image import collect
from tests.image import hostile_inputs as hostile
from tests.image.archives import docker_save, image_config, layer, oci_layout


def _refused(path: str, pattern: str) -> None:
    with pytest.raises(DockwiseError, match=pattern) as caught:
        collect(path)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("variant", sorted(hostile.CONFIG_VARIANTS))
def test_config_field_of_the_wrong_type_is_refused(tmp_path, variant):
    _refused(hostile.config_variant(tmp_path, variant), hostile.CONFIG_VARIANTS[variant][1])


@pytest.mark.parametrize("variant", sorted(hostile.SAVE_MANIFEST_VARIANTS))
def test_docker_save_manifest_field_of_the_wrong_type_is_refused(tmp_path, variant):
    _refused(hostile.save_manifest_variant(tmp_path, variant), hostile.SAVE_MANIFEST_VARIANTS[variant][1])


@pytest.mark.parametrize("variant", sorted(hostile.OCI_VARIANTS))
def test_oci_index_or_manifest_field_of_the_wrong_type_is_refused(tmp_path, variant):
    _refused(hostile.oci_variant(tmp_path, variant), hostile.OCI_VARIANTS[variant][2])


def test_the_cli_says_one_line_and_exits_2(tmp_path):
    result = CliRunner().invoke(main, ["inspect", hostile.config_variant(tmp_path, "entrypoint-is-a-string")])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "config.Entrypoint is a string" in result.output


def test_nulls_where_go_writes_them_are_accepted(tmp_path):
    layers = [layer(hostile.PASSWD)]
    config = image_config(
        layers,
        User=None,
        Env=None,
        Entrypoint=None,
        Cmd=None,
        Labels=None,
        ExposedPorts=None,
        Volumes=None,
        OnBuild=None,
        Healthcheck=None,
        WorkingDir=None,
    )
    config["history"] = None
    facts = collect(str(docker_save(layers, config, entry={"RepoTags": None}).write_tar(tmp_path / "n.tar")))
    assert (facts.tags, facts.env, facts.labels, facts.entrypoint, facts.cmd) == ((), {}, {}, None, None)
    assert facts.user.uid == 0 and facts.healthcheck is None and facts.layers[0].created_by == ""


def test_healthcheck_keeps_dockers_fields(tmp_path):
    layers = [layer(hostile.PASSWD)]
    check = {"Test": ["CMD", "true"], "Interval": 30_000_000_000, "Retries": 3}
    facts = collect(str(docker_save(layers, image_config(layers, Healthcheck=check)).write_tar(tmp_path / "h.tar")))
    assert facts.healthcheck == check


def test_deeply_nested_json_is_refused_not_a_recursion_error(tmp_path):
    _refused(hostile.deep_json_config(tmp_path), "nests too deeply")


def test_nan_in_the_config_is_refused_so_the_json_output_stays_json(tmp_path):
    path = hostile.nan_config(tmp_path)
    _refused(path, "not valid JSON .*NaN")
    result = CliRunner().invoke(main, ["inspect", path, "--format", "json"])
    assert result.exit_code == 2 and "NaN" not in result.output.replace("NaN is not", "")


def test_nested_indexes_are_validated_too(tmp_path):
    def nest(index: dict) -> None:
        index["manifests"][0]["mediaType"] = "application/vnd.oci.image.index.v1+json"

    archive = oci_layout([layer(hostile.PASSWD)], edit_index=nest)  # the "index" now points at a manifest
    _refused(str(archive.write_dir(tmp_path / "layout")), "manifests is null")


def test_an_index_that_is_not_an_object_is_refused(tmp_path):
    archive = oci_layout([layer(hostile.PASSWD)])
    archive.members["index.json"] = json.dumps([1, 2]).encode()
    _refused(str(archive.write_dir(tmp_path / "layout")), "index.json: the document is an array")
