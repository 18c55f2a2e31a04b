"""The client's own integration tests as the emulator's yardstick.

Run: ``python bench/conformance.py`` (``--fresh`` downloads into a temporary directory instead of
``.cache/conformance/``; arguments after ``--`` go to pytest, e.g. ``-- -k session``).

qiskit-ibm-runtime's source distribution ships the integration tests IBM runs against the live
service (``test/integration/``). This script downloads the sdist of the installed version, starts
an emulator on a wall clock with short queue waits, and runs the session, job, sampler,
estimator and executor test files unedited. Two things are routed, nothing else:

* the environment the tests read (``QISKIT_IBM_TOKEN``/``_URL``/``_INSTANCE``/``_QPU``) names
  the emulator, and the one service their ``dependencies`` fixture builds is
  :func:`jupyter_qsession.emulator.runtime_service` (the client cannot derive the emulator's
  ``host:port`` from a URL: it builds ``quantum.<host>``, ``iam.<host>`` ... and drops the port);
* their staging test device (the ``backend_test`` fixture takes the first ``test_eagle*``
  backend) is the emulator's ``fake_sherbrooke``, an Eagle r3 with 127 qubits, served as
  ``test_eagle`` (``$QSESSION_EMULATOR_BACKEND_ALIASES``); ``QISKIT_IBM_QPU`` names it too.

Tests that build their own ``QiskitRuntimeService`` still reach for IBM Cloud and fail: those
are listed in :data:`OFFLINE_IMPOSSIBLE` with the reason. Printed at the end: collected /
passed / failed / skipped and a one-line reason per failure. Exits 1 if a test fails that is
not in that list (or if nothing ran), 0 otherwise. The sdist's code is never committed:
``.cache/`` is gitignored.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from importlib.metadata import version
from pathlib import Path
from typing import Any

# Measure this checkout, whatever version of the package is installed.
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from jupyter_qsession.emulator import Emulator, EmulatorThread, WallClock, runtime_service  # noqa: E402
from jupyter_qsession.emulator.instance import INSTANCE_CRN  # noqa: E402
from jupyter_qsession.wire import ALIASES_ENV  # noqa: E402

CACHE = REPO / ".cache" / "conformance"
PACKAGE = "qiskit-ibm-runtime"
# The integration test files about sessions, jobs and the primitives (the sdist's names).
TEST_FILES = (
    "test_session.py",
    "test_job.py",
    "test_retrieve_job.py",
    "test_ibm_job.py",
    "test_ibm_job_attributes.py",
    "test_results.py",
    "test_sampler_v2.py",
    "test_estimator_v2.py",
    "test_executor.py",
    "test_executor_sampler.py",
    "test_executor_estimator.py",
    "test_executor_noise_learner.py",
)
TEST_DEVICE = "test_eagle"
FAKE_DEVICE = "fake_sherbrooke"
# Short emulated waits: the run's time is then mostly the jobs' own QPU time (circuits x shots
# x rep_delay). A bell job (4096 shots) still runs ~1.2 s, long enough for the tests that poll
# once a second to see it RUNNING (they skip when they cannot catch a status).
QUEUE_WAIT_S = 0.5
JOB_OVERHEAD_S = 0.2
TIMEOUT_S = 180

# Tests that cannot pass offline: they need IBM Cloud itself, not the Runtime API. Keyed by the
# test's node id below test/integration/; the value is the reason printed and documented.
IBM_CLOUD_INSTANCES = (
    "builds its own QiskitRuntimeService: without an instance the client lists the account's "
    "instances with IBM Cloud Global Search and Global Catalog; with an instance name it "
    "resolves the CRN with IBM Cloud Resource Controller (only IBM Cloud knows an account's "
    "instances)"
)
OFFLINE_IMPOSSIBLE: dict[str, str] = {
    "test_session.py::TestIntegrationSession::test_session_instance_logic": IBM_CLOUD_INSTANCES,
}


# ----------------------------------------------------------------------------- the sdist
def fetch_sdist(dest: Path) -> Path:
    """The sdist of the installed qiskit-ibm-runtime in ``dest``, downloaded from PyPI once."""
    wanted = version(PACKAGE)
    stem = f"{PACKAGE.replace('-', '_')}-{wanted}"
    tarball = dest / f"{stem}.tar.gz"
    if not tarball.exists():
        dest.mkdir(parents=True, exist_ok=True)
        print(f"== downloading the {PACKAGE} {wanted} sdist from PyPI", flush=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--disable-pip-version-check",
                "--no-binary",
                ":all:",
                "--no-deps",
                f"{PACKAGE}=={wanted}",
                "-d",
                str(dest),
            ],
            check=True,
        )
    return tarball


def extract_tests(tarball: Path, dest: Path) -> Path:
    """Unpack ``test/`` and the pytest settings (``pyproject.toml``) only: never the package
    itself, which would shadow the installed client on ``sys.path``."""
    root = dest / tarball.name.removesuffix(".tar.gz")
    if not (root / "test" / "integration").is_dir():
        with tarfile.open(tarball) as archive:
            members = [
                m
                for m in archive.getmembers()
                if m.name.startswith(f"{root.name}/test/")
                or m.name == f"{root.name}/pyproject.toml"
            ]
            archive.extractall(dest, members=members, filter="data")
    missing = [f for f in TEST_FILES if not (root / "test" / "integration" / f).is_file()]
    if missing:
        sys.exit(f"The sdist has no {', '.join(missing)}: update TEST_FILES for this version.")
    return root


# ----------------------------------------------------------------------------- the pytest plugin
class EmulatorRouting:
    """Routes the tests' service to the emulator and records every outcome."""

    def __init__(self, url: str, api_key: str) -> None:
        self.url = url
        self.api_key = api_key
        self.collected = 0
        self.outcomes: dict[str, tuple[str, str]] = {}  # node id -> (outcome, one-line reason)

    def service(self, *, token: str, url: str, instance: str | None, **_: Any) -> Any:
        """Stands in for ``QiskitRuntimeService(channel=, token=, url=, instance=)`` in the
        ``dependencies`` fixture: the same account, reached through the emulator's client."""
        assert (token, url, instance) == (self.api_key, self.url, INSTANCE_CRN)
        return runtime_service(url, token)

    def pytest_collection_finish(self, session: Any) -> None:
        self.collected = len(session.items)  # after -k/-m deselection
        dependencies = sys.modules.get("test.integration.dependencies")
        if dependencies is None:
            raise RuntimeError("test.integration.dependencies was not imported by the tests")
        dependencies.QiskitRuntimeService = self.service

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self.outcomes[report.nodeid] = ("failed", _reason(report))

    def pytest_runtest_logreport(self, report: Any) -> None:
        previous = self.outcomes.get(report.nodeid, ("passed", ""))[0]
        if previous == "failed":
            return  # a teardown error after a failure does not change the verdict
        if report.failed:
            self.outcomes[report.nodeid] = ("failed", _reason(report))
        elif report.skipped:
            self.outcomes[report.nodeid] = ("skipped", _skip_reason(report))
        elif report.when == "call":
            self.outcomes[report.nodeid] = ("passed", "")


def _reason(report: Any) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line[:200]


def _skip_reason(report: Any) -> str:
    longrepr = report.longrepr
    return str(longrepr[2] if isinstance(longrepr, tuple) else longrepr).removeprefix("Skipped: ")


def short(nodeid: str) -> str:
    return nodeid.removeprefix("test/integration/")


# ----------------------------------------------------------------------------- the run
def run(root: Path, pytest_args: list[str]) -> int:
    import pytest

    os.environ[ALIASES_ENV] = f"{TEST_DEVICE}={FAKE_DEVICE}"  # before any catalog is built
    emulator = Emulator(clock=WallClock(), queue_wait=QUEUE_WAIT_S, job_overhead=JOB_OVERHEAD_S)
    with EmulatorThread(emulator) as emu:
        assert emu.url is not None
        os.environ.update(
            QISKIT_IBM_TOKEN=emulator.api_key,
            QISKIT_IBM_URL=emu.url,
            QISKIT_IBM_INSTANCE=INSTANCE_CRN,
            QISKIT_IBM_QPU=TEST_DEVICE,
        )
        routing = EmulatorRouting(emu.url, emulator.api_key)
        files = [str(root / "test" / "integration" / f) for f in TEST_FILES]
        args = [
            *files,
            "-c",
            str(root / "pyproject.toml"),
            "--rootdir",
            str(root),
            "-p",
            "no:cacheprovider",
            "-p",
            "no:asyncio",
            f"--timeout={TIMEOUT_S}",
            "-W",
            "ignore::DeprecationWarning",
            "-q",
            "--tb=short",
            *pytest_args,
        ]
        start = time.perf_counter()
        pytest.main(args, plugins=[routing])
        elapsed = time.perf_counter() - start
        jobs = emu.call(lambda: list(emulator.scheduler.jobs.values()))
    # A job runs from its start to its end: its emulated QPU time, or longer when the simulation
    # takes longer (a wall clock counts compute time). Jobs on parallel lanes overlap.
    ran = sum(j.finished - j.started for j in jobs if None not in (j.started, j.finished))
    return report(routing, elapsed, f"{len(jobs)} jobs ran {ran:.0f} s between them")


def report(routing: EmulatorRouting, elapsed: float, load: str) -> int:
    counts = Counter(outcome for outcome, _ in routing.outcomes.values())
    print(f"\n== conformance: {PACKAGE} {version(PACKAGE)} integration tests on the emulator")
    print(
        f"collected {routing.collected}, passed {counts['passed']}, failed {counts['failed']}, "
        f"skipped {counts['skipped']} in {elapsed:.0f} s ({load})"
    )
    unexpected = 0
    for nodeid, (outcome, reason) in sorted(routing.outcomes.items()):
        if outcome != "failed":
            continue
        known = OFFLINE_IMPOSSIBLE.get(short(nodeid))
        if known is None:
            unexpected += 1
            print(f"FAILED  {short(nodeid)}: {reason}")
        else:
            print(f"OFFLINE {short(nodeid)}: {known}")
    for nodeid in OFFLINE_IMPOSSIBLE:
        outcome = routing.outcomes.get(f"test/integration/{nodeid}", ("not run", ""))[0]
        if outcome not in ("failed", "not run"):
            print(f"NOTE    {nodeid} is listed as offline-impossible but {outcome}")
    skips = Counter(reason for outcome, reason in routing.outcomes.values() if outcome == "skipped")
    for reason, n in skips.most_common():
        print(f"skipped {n:3d} x {reason}")
    if routing.collected == 0:
        print("nothing was collected")
        return 1
    print(f"{unexpected} unexpected failure(s)")
    return 1 if unexpected else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="download the sdist into a temporary directory instead of .cache/conformance/",
    )
    parser.add_argument("pytest_args", nargs="*", help="after --: extra pytest arguments")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qsession-conformance-") as tmp:
        dest = Path(tmp) if options.fresh else CACHE
        root = extract_tests(fetch_sdist(dest), dest)
        return run(root, options.pytest_args)


if __name__ == "__main__":
    sys.exit(main())
