"""The emulator's one service instance, as IBM Cloud names instances (a CRN), so the unmodified
client routes to it. Standard library only: the client side (:mod:`.client`, run in kernels)
and the server side (:mod:`.emulator`) both name it, and a kernel loads no web server."""

from __future__ import annotations

INSTANCE_CRN = "crn:v1:bluemix:public:quantum-computing:us-east:a/qsession-emulator::emulator"
