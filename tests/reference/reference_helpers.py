"""Shared by the reference tier: pytrees of arrays converted between ndgrad and NumPy, and
compared leaf by leaf with their structure (tuple, list, dict, namedtuple, None).

The oracle libraries themselves (JAX, PyTorch) are imported only by the test modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as onp
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ndgrad import np

TOL = 1e-10


def is_namedtuple(value: Any) -> bool:
    return isinstance(value, tuple) and hasattr(type(value), "_fields")


def tree_map(function: Callable[[Any], Any], tree: Any) -> Any:
    """``function`` on every leaf; tuples, lists, dicts and namedtuples are walked, None is
    an empty subtree (as JAX)."""
    if tree is None:
        return None
    if isinstance(tree, dict):
        return {key: tree_map(function, value) for key, value in tree.items()}
    if is_namedtuple(tree):
        return type(tree)(*[tree_map(function, value) for value in tree])
    if isinstance(tree, (tuple, list)):
        return type(tree)(tree_map(function, value) for value in tree)
    return function(tree)


def nd(tree: Any) -> Any:
    """NumPy leaves (float64) as ndgrad arrays, keeping their dtype."""
    return tree_map(lambda leaf: np.array(onp.asarray(leaf)), tree)


def as_numpy(leaf: Any) -> onp.ndarray:
    if hasattr(leaf, "asnumpy"):
        return onp.asarray(leaf.asnumpy())
    if hasattr(leaf, "detach") and hasattr(leaf, "numpy"):     # a torch tensor
        return leaf.detach().cpu().numpy()
    return onp.asarray(leaf)


def numpy_tree(tree: Any) -> Any:
    return tree_map(as_numpy, tree)


def _describe(tree: Any) -> str:
    if tree is None:
        return "None"
    if isinstance(tree, dict):
        return "{" + ", ".join(f"{k!r}: {_describe(v)}" for k, v in sorted(tree.items())) + "}"
    if is_namedtuple(tree):
        return type(tree).__name__ + "(" + ", ".join(_describe(v) for v in tree) + ")"
    if isinstance(tree, tuple):
        return "(" + "".join(_describe(v) + ", " for v in tree) + ")"
    if isinstance(tree, list):
        return "[" + ", ".join(_describe(v) for v in tree) + "]"
    return f"<{type(tree).__name__} {getattr(tree, 'shape', '')}>"


def assert_trees_close(actual: Any, expected: Any, tol: float = TOL, check_dtype: bool = True,
                       where: str = "") -> None:
    """Same structure (container types, dict keys, namedtuple class, None leaves), same
    shapes, the same float dtype, and values within ``tol`` (NaN equals NaN, inf equals the
    same inf)."""
    message = f"{where}: ndgrad gave {_describe(actual)}, the oracle {_describe(expected)}"
    if expected is None or actual is None:
        assert actual is None and expected is None, message
        return
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and set(actual) == set(expected), message
        for key in expected:
            assert_trees_close(actual[key], expected[key], tol, check_dtype, f"{where}[{key!r}]")
        return
    if isinstance(expected, (tuple, list)):
        assert type(actual) is type(expected) and len(actual) == len(expected), message
        for k, (a, e) in enumerate(zip(actual, expected)):
            assert_trees_close(a, e, tol, check_dtype, f"{where}[{k}]")
        return
    assert not isinstance(actual, (tuple, list, dict)), message
    a, e = as_numpy(actual), as_numpy(expected)
    assert a.shape == e.shape, f"{where}: shape {a.shape} from ndgrad, {e.shape} from the oracle"
    if check_dtype and e.dtype.kind == "f":
        assert a.dtype == e.dtype, f"{where}: dtype {a.dtype} from ndgrad, {e.dtype} from the oracle"
    onp.testing.assert_allclose(a, e, rtol=tol, atol=tol, equal_nan=True, err_msg=where)


def same_values(a: Any, b: Any) -> bool:
    """Equal as numbers, NaN equal to NaN and infinities by sign (for singular points)."""
    a, b = as_numpy(a).astype(onp.float64), as_numpy(b).astype(onp.float64)
    return a.shape == b.shape and bool(onp.all((a == b) | (onp.isnan(a) & onp.isnan(b))))


def examples(count: int = 5):
    """Hypothesis over a seed and a size, ``count`` examples, no deadline; no shrinking (a
    seed has no smaller form worth the time)."""
    def decorate(test):
        test = given(seed=st.integers(0, 2**31 - 1), n=st.integers(1, 4))(test)
        return settings(max_examples=count, deadline=None,
                        phases=[Phase.explicit, Phase.reuse, Phase.generate],
                        suppress_health_check=[HealthCheck.too_slow])(test)
    return decorate
