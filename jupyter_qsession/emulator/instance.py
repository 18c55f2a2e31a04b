"""The emulator's one service instance, as IBM Cloud names instances (a CRN), so the unmodified
client routes to it, and how the emulator says what it is to whoever asks (a saved account's
URL may be an emulator: :mod:`jupyter_qsession.client.emulator_probe`). Standard library only:
the client side (run in kernels and the lab server) and the emulator both name them, and a
kernel loads no web server."""

from __future__ import annotations

INSTANCE_CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/qsession-emulator::emulator"

# ``GET INFO_PATH`` answers {"service": SERVICE_NAME, "version": ..., "instance": INSTANCE_CRN}
# without a key: the one question that tells an emulator from another Runtime service.
SERVICE_NAME = "jupyter-qsession-emulator"
INFO_PATH = "/api/v1/qsession/info"
