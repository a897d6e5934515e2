"""The primitives, by family. Importing this package declares them all in the registry."""

from .._ndarray import bind_operators
from .._registry import REGISTRY
from . import (  # noqa: F401
    conv,
    creation,
    decompositions,
    elementwise,
    joining,
    linalg,
    nn,
    random,
    reductions,
    shape,
    sorting,
    special,
    statistics,
)

bind_operators({**REGISTRY.namespace("np"), **REGISTRY.namespace("ndarray")})
