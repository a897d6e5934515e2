#!/usr/bin/env bash
# Build the oracle environments of the reference tier, outside the repository.
#   bash tests/reference/setup_oracles.sh            # into /work/oracles (or $ORACLES)
# mxnet/: MXNet 1.9.1 with NumPy < 1.24 (it cannot share a process with ndgrad);
# jax/:   ndgrad (editable), JAX (CPU), torch==2.13.0 (CPU), pytest and hypothesis.
# Nothing here is a dependency of ndgrad: never add these to pyproject.toml or `make test`.
set -euo pipefail
ORACLES="${ORACLES:-/work/oracles}"
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
mkdir -p "$ORACLES"
[ -x "$ORACLES/mxnet/bin/python" ] || "$PYTHON" -m venv "$ORACLES/mxnet"
"$ORACLES/mxnet/bin/pip" install -q --disable-pip-version-check mxnet==1.9.1 "numpy<1.24"
[ -x "$ORACLES/jax/bin/python" ] || "$PYTHON" -m venv "$ORACLES/jax"
"$ORACLES/jax/bin/pip" install -q --disable-pip-version-check -e "$REPO" jax torch==2.13.0 \
    pytest hypothesis
"$ORACLES/mxnet/bin/python" -c "import mxnet; print('mxnet', mxnet.__version__)"
"$ORACLES/jax/bin/python" -c "import jax, torch, numpy; print('jax', jax.__version__, \
'torch', torch.__version__, 'numpy', numpy.__version__)"
