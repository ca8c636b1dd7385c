"""The hardened run profile on both reference images: proven from inside the running container, the deploy manifest's
constraints honoured by the engine, and the resilience suite's properties (short runs; the benchmark runs longer)."""

from __future__ import annotations

import pytest

from dockwise.deploy.manifests import engine_options, kubernetes, service_spec
from dockwise.engine import containers
from dockwise.engine.run_profile import DEFAULT, HARDENED
from dockwise.image import collect
from dockwise.measure import resilience
from dockwise.measure.hardening import probe_hardening

pytestmark = [pytest.mark.engine, pytest.mark.slow]


def test_hardened_profile_is_proven_from_inside(docker_client, built, test_labels):
    with containers.running(docker_client, built.tag, port=5000, labels=test_labels, profile=HARDENED) as published:
        containers.wait_for_http_ok(published, "/healthz")
        facts = probe_hardening(published.container, HARDENED.name)
    assert facts.cap_eff is not None and int(facts.cap_eff, 16) == 0 and int(facts.cap_bnd or "1", 16) == 0
    assert facts.no_new_privs is True and facts.seccomp_mode == 2 and facts.uid not in (None, 0)
    assert facts.root_writable is False and facts.workdir_writable is False and facts.tmp_writable is True
    assert facts.read_only_rootfs and facts.pids_limit and facts.memory_limit_bytes
    assert all(facts.checks().values()), facts.checks()


def test_default_profile_is_seen_as_such(docker_client, built, test_labels):
    """The same probe tells the engine's defaults apart: the checks can fail."""
    with containers.running(docker_client, built.tag, port=5000, labels=test_labels, profile=DEFAULT) as published:
        containers.wait_for_http_ok(published, "/healthz")
        facts = probe_hardening(published.container, DEFAULT.name)
    assert facts.cap_bnd is not None and int(facts.cap_bnd, 16) != 0  # CapEff is 0 for any non-root process
    assert facts.no_new_privs is False and not facts.read_only_rootfs and facts.memory_limit_bytes is None


def test_the_kubernetes_constraints_run_on_the_engine(docker_client, built, test_labels):
    spec = service_spec(collect(built.tag, gzip_size=False), built.tag)
    options = engine_options(kubernetes(spec)[0])
    with containers.running(docker_client, built.tag, port=5000, labels=test_labels, profile=DEFAULT,
                            **options) as published:
        containers.wait_for_http_ok(published, spec.health_path)
        facts = probe_hardening(published.container, "kubernetes")
    assert facts.uid == spec.uid and int(facts.cap_bnd or "1", 16) == 0 and facts.no_new_privs
    assert facts.root_writable is False and facts.tmp_writable is True


def test_sustained_load_and_malformed_http(docker_client, built, test_labels):
    with containers.running(docker_client, built.tag, port=5000, labels=test_labels) as published:
        containers.wait_for_http_ok(published, "/healthz")
        sustained = resilience.sustained_load(published, "/", seconds=10)
        malformed = resilience.malformed_http(published, "/")
    assert sustained.load.socket_errors == 0 and sustained.load.non_2xx == 0 and sustained.load.requests > 0
    assert sustained.rss_growth is not None and sustained.rss_growth <= 1.1, sustained.as_dict()
    assert malformed.held, malformed.as_dict()


def test_a_killed_worker_is_replaced(docker_client, built, test_labels):
    with containers.running(docker_client, built.tag, port=5000, labels=test_labels) as published:
        containers.wait_for_http_ok(published, "/healthz")
        crash = resilience.kill_worker_under_load(published, "/", seconds=4)
    assert crash.replaced and crash.answers_after, crash.as_dict()


def test_stop_under_load_loses_nothing_and_exits_0(docker_client, built, test_labels):
    with containers.running(docker_client, built.tag, port=5000, labels=test_labels) as published:
        containers.wait_for_http_ok(published, "/healthz")
        stop = resilience.stop_under_load(published, "/")
    assert stop.exit_code == 0 and stop.lost == 0 and stop.completed > 0, stop.as_dict()


def test_runs_under_128_mib(docker_client, built, test_labels):
    profile = HARDENED.with_memory(128 << 20)
    with containers.running(docker_client, built.tag, port=5000, labels=test_labels, profile=profile) as published:
        containers.wait_for_http_ok(published, "/healthz")
        sustained = resilience.sustained_load(published, "/", seconds=3)
        published.container.reload()
        assert not published.container.attrs["State"]["OOMKilled"]
    assert sustained.load.socket_errors == 0
