"""Training of the controller's learned policies (papers 003 and 004) and the torch inference worker.

Artifacts follow ARTIFACT_FORMAT.md (`controller-policy/1`); data comes only from
`controller scenario export`.
"""

import os

# Debian's torch calls the system BLAS; OpenBLAS (libopenblas0-pthread, installed by infra/prerequisites.sh)
# is ~7x faster than the reference BLAS here. One BLAS thread keeps runs reproducible and leaves the
# second core to the rest of the machine. Must be set before numpy or torch load the library.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

FORMAT = "controller-policy/1"
