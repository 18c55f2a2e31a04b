"""No start-up race: a kernel started at any moment after the lab answers gets the variables
that lead it to the emulator and the bridge (issue 18, item 4).

The lab answers ``GET /api/status`` seconds before its emulator process is up. Kernels are
started from that very first moment, through both routes (``POST /api/kernels``, and ``POST
/api/sessions`` as JupyterLab opens a notebook: jupyter-server copies the environment for it
before it starts the kernel), until and after the extension has started; each kernel is then
asked what it got. A real lab process without a terminal, real kernels.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from processes import LabProcess

from jupyter_qsession.wire import (
    BRIDGE_URL_ENV,
    EMULATOR_TOKEN_ENV,
    EMULATOR_URL_ENV,
    PROVIDER_ENV,
)

NAMES = (EMULATOR_URL_ENV, EMULATOR_TOKEN_ENV, BRIDGE_URL_ENV, PROVIDER_ENV)
ASK = f"import json, os; print(json.dumps({{n: os.environ.get(n) for n in {list(NAMES)!r}}}))"
# Both routes, one pair at a time: kernels cost a core each to start on this 2-core machine.
PAIRS_BEFORE = 2
PAIRS_AFTER = 1

REACH = """
from jupyter_qsession.emulator import runtime_service
from jupyter_qsession.kernel.bridge import BridgeClient
print(runtime_service().backend("fake_manila").name, BridgeClient.from_kernel().sessions())
"""


def start_pair(lab: LabProcess, index: int) -> list[str]:
    """One kernel through each route, at the same moment; their ids."""
    with ThreadPoolExecutor(2) as pool:
        kernel = pool.submit(lab.start_kernel)
        notebook = pool.submit(lab.start_notebook_kernel, f"race-{index}.ipynb")
        return [kernel.result()[0], notebook.result()[0]]


def extension_started(lab: LabProcess) -> bool:
    """Whether the extension has said it started (asking its API would wait for it)."""
    return "jupyter_qsession: accounts emulator" in lab.log_path.read_text(errors="replace")


def test_kernels_started_from_the_first_moment_the_lab_answers_reach_emulator_and_bridge(
    tmp_path,
):
    lab = LabProcess(tmp_path).spawn()
    try:
        lab.wait_until(lab.answers)
        assert not extension_started(lab)  # the race is there to be lost: emulator not up yet
        with ThreadPoolExecutor(PAIRS_BEFORE + PAIRS_AFTER) as pool:
            early = [pool.submit(start_pair, lab, index) for index in range(PAIRS_BEFORE)]
            lab.wait_until(lambda: extension_started(lab))
            late = [pool.submit(start_pair, lab, PAIRS_BEFORE + i) for i in range(PAIRS_AFTER)]
            kernels = [k for pair in early + late for k in pair.result()]

        emulator_url = lab.emulator_info()["url"]
        for kernel_id in kernels:
            env = json.loads(lab.run(kernel_id, ASK))
            assert env[EMULATOR_URL_ENV] == emulator_url, (kernel_id, env)
            assert env[EMULATOR_TOKEN_ENV], (kernel_id, env)
            assert env[BRIDGE_URL_ENV].startswith(lab.url), (kernel_id, env)
            assert env[PROVIDER_ENV] == "emulator"
        # What the variables are for: the first kernel reaches the emulator and its bridge.
        assert lab.run(kernels[0], REACH, timeout=120) == "fake_manila []"
    finally:
        lab.stop()


def test_kernels_held_for_a_provider_that_fails_start_with_the_bridge_and_the_lab_says_why(
    tmp_path,
):
    # The emulator's state file is a folder: the emulator process cannot start.
    (tmp_path / "emulator" / "emulator.sqlite").mkdir(parents=True)
    lab = LabProcess(tmp_path).spawn()
    try:
        lab.wait_until(lab.answers)
        kernel_id, _ = lab.start_kernel()

        env = json.loads(lab.run(kernel_id, ASK))
        assert env[BRIDGE_URL_ENV].startswith(lab.url) and env[PROVIDER_ENV] == "emulator"
        assert not env[EMULATOR_URL_ENV]  # nothing to reach: said so below, not hidden
        warnings = lab.wait_until(lambda: lab.get("info").json()["warnings"])
        assert any("emulator is unavailable" in warning for warning in warnings), warnings
    finally:
        lab.stop()
