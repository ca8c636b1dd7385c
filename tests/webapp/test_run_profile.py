"""The hardened run profile on both reference images: proven from inside the running container, the deploy manifest's
constraints honoured by the engine, and the resilience suite's properties (short runs; the benchmark runs longer)."""

from __future__ import annotations

import pytest

from dockwise.deploy.manifests import image_contract
from dockwise.engine import containers
from dockwise.image import collect
from dockwise.measure import resilience
from dockwise.measure.hardening import probe_hardening
from dockwise.measure.runtime import run_resilience, serving
from dockwise.service.profile import DEFAULT, HARDENED
from dockwise.service.run_options import run_options

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


def test_the_contracts_constraints_run_on_the_engine(docker_client, built, test_labels):
    """The run options emitted from the image's contract (the property test holds the manifests to the same)."""
    spec = image_contract(collect(built.tag, gzip_size=False), built.tag)
    options = run_options(spec)
    with containers.running(
        docker_client, built.tag, port=5000, labels=test_labels, profile=DEFAULT, **options
    ) as published:
        containers.wait_for_http_ok(published, spec.health_path)
        facts = probe_hardening(published.container, "contract")
    assert facts.uid == spec.uid and int(facts.cap_bnd or "1", 16) == 0 and facts.no_new_privs
    assert facts.root_writable is False and facts.tmp_writable is True


def test_the_resilience_suite_holds(docker_client, built, test_labels):
    """What `dockwise demo` reports as its resilience section, run as the demo runs it (10 s of sustained load)."""
    suite = run_resilience(docker_client, built.tag, 5000, test_labels, "/healthz", HARDENED, seconds=10)
    load = suite.sustained.load
    assert load.socket_errors == 0 and load.non_2xx == 0 and load.requests > 0 and load.p99_ms is not None
    assert suite.sustained.rss_growth is not None and suite.sustained.rss_growth <= 1.1, suite.sustained.as_dict()
    assert suite.worker_crash.replaced and suite.worker_crash.answers_after, suite.worker_crash.as_dict()
    assert suite.slow_clients.held, suite.slow_clients.as_dict()
    assert suite.malformed.held, [c for c in suite.malformed.cases if not c.ok]
    assert suite.stop.exit_code == 0 and suite.stop.lost == 0 and suite.stop.completed > 0, suite.stop.as_dict()
    assert suite.idle_stop_seconds is not None and suite.idle_stop_seconds < 2


def test_runs_under_128_mib(docker_client, built, test_labels):
    profile = HARDENED.with_memory(128 << 20)
    with serving(docker_client, built.tag, port=5000, labels=test_labels, profile=profile) as running:
        running.wait_ok("/healthz")
        sustained = resilience.sustained_load(running, "/", seconds=3)
        running.container.reload()
        assert not running.container.attrs["State"]["OOMKilled"]
    assert sustained.load.socket_errors == 0
