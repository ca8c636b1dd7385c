"""The persistent scope behaves as a dict that never changes: each `set` is a new version, old ones stay as they were."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dockwise.dockerfile import scope as scope_module
from dockwise.dockerfile.scope import Scope

keys = st.text(max_size=3)


@given(st.lists(st.tuples(keys, st.text(max_size=3)), max_size=60))
def test_every_version_is_the_dict_it_should_be(updates):
    versions, expected, current = [], [], Scope()
    reference: dict[str, str] = {}
    for key, value in updates:
        current = current.set(key, value)
        reference = {**reference, key: value}
        versions.append(current)
        expected.append(reference)
    for version, wanted in zip(versions, expected):
        assert dict(version) == wanted and len(version) == len(wanted)
        assert all(version.get(k) == v and k in version for k, v in wanted.items())
        assert version.get("absent-key") is None and "absent-key" not in version


def test_keys_whose_hashes_collide_keep_apart():
    root, added = scope_module._with(None, 7, "a", "1")
    root, added_b = scope_module._with(root, 7, "b", "2")
    root, added_again = scope_module._with(root, 7, "a", "3")
    assert added and added_b and not added_again
    assert scope_module._find(root, 7, "a") == "3" and scope_module._find(root, 7, "b") == "2"
    assert scope_module._find(root, 7, "c") is scope_module._MISSING
