"""The primitives, by family. Importing this package declares them all in the registry."""

from .._ndarray import bind_operators
from .._registry import REGISTRY
from . import creation, elementwise, linalg, nn, random, reductions, shape, sorting  # noqa: F401

bind_operators({**REGISTRY.namespace("np"), **REGISTRY.namespace("ndarray")})
