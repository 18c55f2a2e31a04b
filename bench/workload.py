"""The seed's iterative workload: COBYLA minimising an estimator's cost function (a tiny VQE)."""

from __future__ import annotations

import numpy as np
from qiskit.circuit.library import efficient_su2
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager
from scipy.optimize import minimize

HAMILTONIAN = SparsePauliOp(["ZZ", "XI", "IX"], [1.0, 0.5, 0.5])


def vqe_pub(backend):
    """The ansatz and Hamiltonian laid out for ``backend`` (ISA), as the service needs them."""
    ansatz = efficient_su2(2, reps=1)
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(ansatz)
    return isa, HAMILTONIAN.apply_layout(isa.layout)


def run_vqe(estimator, ansatz, hamiltonian, iterations: int) -> list:
    """Minimise <H> with COBYLA for ``iterations`` cost evaluations; return the jobs it ran."""
    jobs = []

    def cost(params):
        job = estimator.run([(ansatz, hamiltonian, params)])
        jobs.append(job)
        return float(job.result()[0].data.evs)

    x0 = np.random.default_rng(7).uniform(-np.pi, np.pi, ansatz.num_parameters)
    minimize(cost, x0, method="COBYLA", options={"maxiter": iterations})
    return jobs
