"""`dockwise slim`: trace a Python web service's image under probes, keep what it needs, build that `FROM scratch`,
and tag it only once it answers every probe as the original does.

1. read the source image (facts, config); refuse what cannot be slimmed (not Python, runs as root, no port);
2. run it untraced under the probes: the reference answers (an image that does not start or never answers is
   refused);
3. run it traced (dockwise.slim.tracer), its setup step too if it has one (in its own one-shot container, as
   dockwise runs it), check each trace is whole (dockwise.slim.trace);
4. compute the keep-set (dockwise.slim.keep) on its exported file system, write and load the slim image untagged
   (dockwise.slim.assemble);
5. verify: the slim image under the same probes and HEALTHCHECK, the seed practices and the inspect checks at
   least as good as the original's; any difference removes it again and fails in one line;
6. tag it.
Every container started is removed, whatever happens.
"""

from __future__ import annotations

import dataclasses
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from dockwise.core.errors import EXIT_FAILED, EXIT_USAGE, DockwiseError
from dockwise.image import collect
from dockwise.image.facts import ImageFacts
from dockwise.image.practices import FAIL, PARTIAL, PASS, judge
from dockwise.slim.assemble import load, write_image
from dockwise.slim.elf import exec_interpreter
from dockwise.slim.keep import KeepSet, Options, compute_keep_set, size_by_directory
from dockwise.slim.probes import ProbePlan, ProbeResult, first_difference, load_plan
from dockwise.slim.python_code import module_files
from dockwise.slim.report import SlimReport, build_report
from dockwise.slim.rootfs import RootFS, exported
from dockwise.slim.trace import Trace, TraceLost, check_complete, joined
from dockwise.slim.tracer import RunResult, ensure_tracer, probe_image, traced_run

RANK = {FAIL: 0, PARTIAL: 1, PASS: 2}

# Under a full test run's load, a traced run once lost the last lines of the service's main process (its exit; the
# cause is not found): one more traced run before giving up, and the report's notes say it happened.
TRACE_ATTEMPTS = 2


@dataclass(frozen=True)
class SlimResult:
    tag: str
    image_id: str
    report: SlimReport


PROBE_FILE_NAME = "slim-probes.toml"


def app_probe_file(app_dir: Path) -> Path | None:
    """An app's own probe file (slim-probes.toml beside its Dockerfile), if it has one; the demo passes the
    reference service's."""
    path = app_dir / PROBE_FILE_NAME
    return path if path.is_file() else None


def default_tag(ref: str, facts: ImageFacts) -> str:
    """`repo:tag-slim` beside the source's first tag (`repo:latest-slim` for an untagged name)."""
    named = ref if not ref.startswith("sha256:") else (facts.tags[0] if facts.tags else "")
    if not named:
        return f"dockwise/slim:{facts.id.split(':', 1)[1][:12]}"
    repo, _, tag = named.rpartition(":")
    if not repo or "/" in tag:
        repo, tag = named, "latest"
    return f"{repo}:{tag}-slim"


def _with_tag(name: str) -> str:
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


def check_input(facts: ImageFacts) -> None:
    """Refuse, with exit 2, what slim cannot or must not do."""
    if not facts.python_versions:
        raise DockwiseError(
            f"{facts.reference} is not a Python image (no lib/python3.X/os.py)",
            "slim minifies Python web services only",
            exit_code=EXIT_USAGE,
        )
    if facts.user.uid is None:
        raise DockwiseError(
            f"{facts.reference} runs as user {facts.user.configured!r}, which its /etc/passwd does not define",
            "set USER to a numeric uid or a user the image has",
            exit_code=EXIT_USAGE,
        )
    if facts.user.is_root:
        raise DockwiseError(
            f"{facts.reference} runs as root",
            "set a non-root USER (e.g. USER 65532) and rebuild: slim traces the image as it will run",
            exit_code=EXIT_USAGE,
        )
    if facts.service_port() is None:
        raise DockwiseError(
            f"{facts.reference} exposes no TCP port", "EXPOSE the port the service listens on", exit_code=EXIT_USAGE
        )


def slim_image(
    ref: str,
    *,
    tag: str | None = None,
    probe_file: Path | None = None,
    includes: tuple[str, ...] = (),
    keep_stdlib: bool = False,
    only_traced: bool = False,
    labels: dict[str, str] | None = None,
    say: Callable[[str], None] = lambda _m: None,
) -> SlimResult:
    """Slim `ref` (an image in the engine, local or remote) and tag the verified result; see the module
    docstring."""
    from docker.errors import ImageNotFound

    from dockwise.engine.client import sdk_client
    from dockwise.engine.endpoint import client_is_local

    client = sdk_client()
    started = time.monotonic()
    try:
        inspected = client.images.get(ref).attrs
    except ImageNotFound:
        raise DockwiseError(
            f"image {ref!r} is not in the engine", "build or load it first", exit_code=EXIT_USAGE
        ) from None
    say(f"reading {ref}")
    facts = collect(ref, gzip_size=False)
    check_input(facts)
    config = inspected.get("Config") or {}
    plan = load_plan(probe_file, config.get("Healthcheck"))
    final_tag = tag or default_tag(ref, facts)
    if _with_tag(final_tag) in {_with_tag(name) for name in inspected.get("RepoTags") or []}:
        raise DockwiseError(
            f"--tag {final_tag} names {ref} itself",
            "choose another tag: the source stays what the slim image is compared against",
            exit_code=EXIT_USAGE,
        )
    run_labels = {**(labels or {}), "dockwise.slim.run": uuid.uuid4().hex[:12]}
    if not client_is_local(client):
        from dockwise.measure.pod import ensure_probe_image

        ensure_probe_image(client, say)  # the probes run in a helper container next to the service
    timings: dict[str, float] = {}

    say("running the original under the probes")
    clock = time.monotonic()
    original = probe_image(client, ref, config, plan, run_labels, what=ref)
    timings["reference_run"] = time.monotonic() - clock
    _check_expected(plan, original)

    tracer = ensure_tracer(client, say)
    trace_notes: list[str] = []
    with exported(client, ref, run_labels) as root:
        for attempt in range(1, TRACE_ATTEMPTS + 1):
            say("tracing it (strace, the Python audit hook, /proc/<pid>/maps)")
            clock = time.monotonic()
            traces, traced = traced_run(client, ref, config, plan, tracer, run_labels)
            timings["traced_run"] = timings.get("traced_run", 0.0) + time.monotonic() - clock
            try:
                for run_trace in traces:
                    check_complete(
                        run_trace,
                        resolve=root.resolve,
                        is_python=partial(_is_python, run_trace, root),
                        interpreter=lambda path: _exec_interpreter(root, path),
                    )
                break
            except TraceLost as lost:
                if attempt == TRACE_ATTEMPTS:
                    raise
                trace_notes.append(f"traced run {attempt} was incomplete ({lost.cause}); traced again")
                say(trace_notes[-1])
        trace = joined(traces)
        clock = time.monotonic()
        keep = compute_keep_set(root, trace, config, Options(includes, keep_stdlib, only_traced))
        timings["keep_set"] = time.monotonic() - clock
        say(f"building the slim image ({len(keep.kept)} paths)")
        before = size_by_directory((p, root.size(p)) for p in root.members if root.is_file(p))
        after = size_by_directory(_kept_sizes(root, keep))
        clock = time.monotonic()
        with write_image(root, keep, inspected, labels or {}, source_ref=ref, source_id=facts.id) as written:
            existed = _image_exists(client, written.image_id)
            load(client, written)
        timings["build"] = time.monotonic() - clock
        say("verifying the slim image under the same probes")
        clock = time.monotonic()
        try:
            results, slim_run, slim_facts = _verify(
                client, written.image_id, config, plan, original, run_labels, facts, final_tag, root, keep
            )
        except BaseException:
            if not existed:
                _remove_image(client, written.image_id)
            raise
        timings["verify"] = time.monotonic() - clock
    repo, _, name = final_tag.rpartition(":")
    client.images.get(written.image_id).tag(repo, name)
    timings["total"] = time.monotonic() - started
    report = build_report(
        source=facts,
        slim=slim_facts,
        tag=final_tag,
        keep=keep,
        trace=trace,
        probes=results,
        original=original,
        traced=traced,
        slim_run=slim_run,
        size_before=before,
        size_after=after,
        written=written,
        options=Options(includes, keep_stdlib, only_traced),
        timings=timings,
        notes=tuple(trace_notes),
    )
    return SlimResult(final_tag, written.image_id, report)


def _check_expected(plan: ProbePlan, original: RunResult) -> None:
    for probe in plan.probes:
        answer = original.answers[probe.name]
        if probe.status is not None and answer.status != probe.status:
            raise DockwiseError(
                f"probe {probe.name!r}: the original answered {answer.status}, the probe file expects {probe.status}",
                "fix the probe (or the image) first",
                exit_code=EXIT_USAGE,
            )
    if plan.health_command and original.health_exit not in (0, None):
        raise DockwiseError(
            f"the original's HEALTHCHECK command exits {original.health_exit}",
            "fix the image's HEALTHCHECK first",
            exit_code=EXIT_USAGE,
        )


def _is_python(trace: Trace, root: RootFS, path: str) -> bool:
    """An image path is a Python interpreter when some traced interpreter reported it as its sys.executable (or
    it is named like one)."""
    executables = {root.resolve(p.executable) for p in trace.python}
    return path in executables or bool(re.fullmatch(r"python\d*(\.\d+)?", path.rsplit("/", 1)[-1]))


def _exec_interpreter(root: RootFS, path: str) -> str | None:
    if not root.is_file(path):
        return None
    interpreter = exec_interpreter(root.read(path))
    return root.resolve(interpreter) if interpreter else None


def _kept_sizes(root: RootFS, keep: KeepSet):
    for path, kept in keep.kept.items():
        if kept.content is not None:
            yield path, len(kept.content)
        elif root.is_file(kept.data or kept.source):
            yield path, root.size(kept.data or kept.source)


def _image_exists(client, image_id: str) -> bool:
    from docker.errors import ImageNotFound

    try:
        client.images.get(image_id)
    except ImageNotFound:
        return False
    return True


def _remove_image(client, image_id: str) -> None:
    from docker.errors import DockerException

    try:
        client.images.remove(image_id, force=True)
    except DockerException:
        pass  # already gone; nothing was tagged


def _verify(
    client,
    image_id: str,
    config: dict,
    plan: ProbePlan,
    original: RunResult,
    labels: dict[str, str],
    facts: ImageFacts,
    final_tag: str,
    root: RootFS,
    keep: KeepSet,
) -> tuple[tuple[ProbeResult, ...], RunResult, ImageFacts]:
    """Probe the slim image like the original and compare; raise (exit 1) on the first difference."""
    try:
        slim_run = probe_image(client, image_id, config, plan, labels, what="the slim image", exit_code=EXIT_FAILED)
    except DockwiseError as exc:
        hint = missing_hint([exc.cause], root, keep)
        raise DockwiseError(exc.cause + hint, "nothing was tagged; add what it needs with --include PATH") from None
    results = []
    for probe in plan.probes:
        difference = first_difference(
            probe,
            original.answers[probe.name],
            slim_run.answers[probe.name],
            original.volatile.get(probe.name, frozenset()),
        )
        results.append(ProbeResult(probe, original.answers[probe.name], slim_run.answers[probe.name], difference))
        if difference is not None:
            hint = missing_hint(
                [slim_run.log_tail, slim_run.answers[probe.name].body.decode("utf-8", "replace")], root, keep
            )
            raise DockwiseError(
                difference.one_line() + hint,
                "nothing was tagged; add a probe mask if the field legitimately differs, or the "
                "missing path with --include PATH",
            )
    if slim_run.health_exit != original.health_exit:
        raise DockwiseError(
            f"the HEALTHCHECK command exits {slim_run.health_exit} in the slim image, "
            f"{original.health_exit} in the original" + missing_hint([slim_run.log_tail], root, keep),
            "nothing was tagged",
        )
    slim_facts = dataclasses.replace(collect(image_id, gzip_size=False), tags=(final_tag,))
    _compare_practices(facts, slim_facts)
    return tuple(results), slim_run, slim_facts


def _compare_practices(original: ImageFacts, slim: ImageFacts) -> None:
    from dockwise.image.checks import run_checks

    before = {v.practice: v for v in judge(original)}
    for verdict in judge(slim):
        if RANK[verdict.status] < RANK[before[verdict.practice].status]:
            raise DockwiseError(
                f"seed practice {verdict.practice!r} is {verdict.status} on the slim image, "
                f"{before[verdict.practice].status} on the original ({verdict.evidence})",
                "nothing was tagged; report this",
            )
    failing_before = {f.rule for f in run_checks(original)}
    for finding in run_checks(slim):
        if finding.rule not in failing_before:
            raise DockwiseError(
                f"inspect check {finding.rule} fails on the slim image only: {finding.message}",
                "nothing was tagged; report this",
            )


_MODULE_MISSING = re.compile(r"No module named '([\w.]+)'")
_PATH = re.compile(r"(/(?:[\w.+-]+/)*[\w.+-]+)")


def missing_hint(texts: list[str], root: RootFS, keep: KeepSet) -> str:
    """`; missing: /path` when the slim image's log or answer names a module or file the original has and the
    keep-set left out ('' when the trace cannot tell)."""
    missing: list[str] = []
    for text in texts:
        for name in _MODULE_MISSING.findall(text):
            for candidate_root in _python_roots(root, keep):
                files = module_files(name, [candidate_root], root.is_file, (".py",))
                missing += [f for f in files if f not in keep.kept and f[:-3] + ".pyc" not in keep.kept]
        for path in _PATH.findall(text):
            target = root.resolve(path)
            if target is not None and target not in keep.kept and root.is_file(target):
                missing.append(target)
    unique = list(dict.fromkeys(missing))
    return f"; missing from the slim image: /{unique[0]}" if unique else ""


def _python_roots(root: RootFS, keep: KeepSet) -> list[str]:
    roots = [p for p in keep.kept if p.endswith(("site-packages", "dist-packages"))]
    roots += [f"usr/lib/{name}" for name in root.listdir("usr/lib") if re.fullmatch(r"python3\.\d+", name)]
    roots += [f"usr/local/lib/{name}" for name in root.listdir("usr/local/lib") if re.fullmatch(r"python3\.\d+", name)]
    return roots
