"""The primitives, by family. Importing this package declares them all in the registry."""

from . import (  # noqa: F401
    conv,
    creation,
    decompositions,
    elementwise,
    joining,
    linalg,
    nn,
    norms,
    random,
    reductions,
    shape,
    sorting,
    special,
    statistics,
)
