/**
 * Notebook cells the UI tests run: load the magic, then open a session on the
 * emulator with two jobs not waited for (with the test server's 20 s of job
 * overhead, the first runs while the second queues behind it).
 */

export const SETUP = `%load_ext jupyter_qsession
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import SamplerV2`;

export const CELL = `%%qsession --backend fake_manila
qc = QuantumCircuit(2); qc.h(0); qc.cx(0, 1); qc.measure_all()
isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(qc)
jobs = [SamplerV2().run([isa], shots=10) for _ in range(2)]
print("SESSION", session.session_id)`;
