"""The primitives, by family. Importing this package declares them all in the registry."""

from . import creation, elementwise, linalg, nn, random, reductions, shape, sorting  # noqa: F401
from .._ndarray import bind_operators
from .._registry import REGISTRY

bind_operators({**REGISTRY.namespace("np"), **REGISTRY.namespace("ndarray")})
