"""The fuzz tier, arguments: every public function called with random bad arguments.

Only ndgrad's documented exception types may escape: TypeError, ValueError (NumPy's AxisError
and LinAlgError are ValueErrors), OverflowError, NotImplementedError, ndgrad.errors'
NdgradError family, and FloatingPointError under ``autograd.detect_anomaly()``. Where a
function has a NumPy counterpart and NumPy, given the same arguments as NumPy data, raises an
exception of type T, ndgrad may raise T too (IndexError for ``take`` out of range, MemoryError
for ``np.ones(10**13)``, FileNotFoundError for ``np.load`` of a missing file); NumPy is also
asked without each optional argument in turn, since it may check another bad argument first.
A MemoryError that is NumPy's allocator refusing the size asked for, and an OSError from a
file function, are the answers NumPy's own functions give. Anything else from the inside
(IndexError, KeyError, AttributeError, RecursionError, StopIteration ...), a call that does
not answer within ``TIME_LIMIT`` seconds where NumPy answers, and a warning from ndgrad's own
modules that NumPy does not give for the same call (or that call less an optional argument),
is a finding.

The functions come from introspection, so a new public function is fuzzed with no change
here: the registry's namespaces (``REGISTRY.namespaces``), the public names of
``ndgrad``, ``ndgrad.nd``, ``ndgrad.autograd``, ``ndgrad.func``, ``ndgrad.viz``,
``ndgrad.testing`` and ``ndgrad.plot``, and the methods of the array (``x.reshape``,
``x[key]``, ``x[key] = v``, ``x += v``, ``x.at[key].set(v)`` ...), of ``nd.NDArray`` and of
``np.random.Generator``. A function that returns a function (``func.grad(f)``, a ``vjp``'s
pullback) has that called too, and a context manager (``autograd.record()``) is entered.

Each call draws its arguments by parameter name (``inspect.signature``): up to three of them
bad ones of any kind (None, strings, bytes, dicts, lambdas, nan and inf, huge ints, arrays of
every dtype and odd shapes, ragged lists, duplicated or out-of-range axes), the others a
plausible value for the name (a small float64 array, an axis in range, a valid mode), so that
calls get past the first check. Half the calls run inside ``autograd.record()`` (on
variables), half of those under ``detect_anomaly()``, and a recorded result is then
backpropagated: a derivative rule may not fail or warn on arguments its forward accepted.

"Huge" is at least 10**13 elements, so NumPy refuses the allocation at once; nothing drawn
asks for a size that could be allocated slowly. File functions run in a temporary directory.

Findings whose fix belongs in modules this work does not change are listed in KNOWN, each
with its exact case as a strict xfail (test_known_finding).

The bounded profile (``make test``) draws a few calls per function; ``make fuzz``
(HYPOTHESIS_PROFILE=fuzz, tests/conftest.py) draws twenty times as many.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import math
import operator
import os
import pathlib
import signal
import traceback
import warnings
from dataclasses import dataclass

import numpy
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import ndgrad
from ndgrad import autograd, func, nd, np, npx, plot, testing, viz
from ndgrad._registry import REGISTRY
from ndgrad.errors import NdgradError

# -- the rule --------------------------------------------------------------------------------
DOCUMENTED = (TypeError, ValueError, OverflowError, NotImplementedError, NdgradError)
# ... and for one function more: testing.check_grads is an assertion, and an AssertionError
# (derivatives that disagree with the finite differences, as they will for eps=0.5) is its
# documented answer
ALSO_DOCUMENTED = {"testing.check_grads": (AssertionError,)}
TIME_LIMIT = 10.0           # seconds a call may take before it counts as a hang
PACKAGE = os.path.dirname(ndgrad.__file__)

# Warnings from ndgrad's modules that are the caller's own, as NumPy or Python would give
# them for the same value: ComplexWarning when complex data is cast to a real dtype
# (numpy.asarray(1j, dtype=float) warns it), NumPy's deprecation of a dtype name the caller
# gave ('a'), and Python's of the truth value of NotImplemented given for a flag.
LEGITIMATE_WARNINGS = (numpy.exceptions.ComplexWarning,)
LEGITIMATE_MESSAGES = ("Data type alias", "NotImplemented should not be used in a boolean")

# Each function's share of the profile's examples: 100 // 16 = 6 calls per function in the
# bounded profile, 2000 // 16 = 125 in the fuzz profile (tests/conftest.py).
EXAMPLES = max(1, settings.default.max_examples // 16)
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])


class Hang(BaseException):
    """A call that did not answer within TIME_LIMIT (a BaseException: no ``except
    Exception`` in the library can swallow it)."""


@contextlib.contextmanager
def time_limit(seconds):
    def interrupt(signum, frame):
        raise Hang(f"no answer within {seconds} s")
    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Outcome:
    error: BaseException | None
    warnings: list          # (category, where) of the warnings attributed to ndgrad's modules
    result: object = None
    all_warnings: tuple = ()    # the categories of every warning the call gave


def attempt(call, *, quiet_floats=True):
    """Run ``call()`` under the time limit; what it raised and which warnings it gave (those
    attributed to ndgrad's own modules apart). Floating-point warnings of a forward (log(0))
    are NumPy's semantics and are silenced with ``quiet_floats``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        errstate = numpy.errstate(all="ignore") if quiet_floats else contextlib.nullcontext()
        try:
            with errstate, time_limit(TIME_LIMIT):
                result = call()
                error = None
        except (Exception, Hang) as raised:        # noqa: BLE001 (whatever escapes is judged)
            result, error = None, raised
    ours = [(w.category, f"{os.path.relpath(w.filename, PACKAGE)}:{w.lineno}") for w in caught
            if os.path.abspath(w.filename).startswith(PACKAGE)
            and not issubclass(w.category, LEGITIMATE_WARNINGS)
            and not any(m in str(w.message) for m in LEGITIMATE_MESSAGES)]
    return Outcome(error, ours, result, tuple(w.category for w in caught))


def where(error):
    """The innermost frames of the traceback inside ndgrad, for the report."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if frame.filename.startswith(PACKAGE)]
    return "; ".join(f"{os.path.relpath(f.filename, PACKAGE)}:{f.lineno} {f.name}"
                     for f in frames[-3:]) or "(outside ndgrad)"


def allowed(error, anomaly, numpy_errors=()):
    """Whether ``error`` may escape: a documented type, FloatingPointError under anomaly
    mode, or the type of an error NumPy raised for the same arguments (any OSError where
    NumPy's is one: the file system refused the path, for either)."""
    if error is None or isinstance(error, DOCUMENTED):
        return True
    if isinstance(error, FloatingPointError) and anomaly:
        return True
    return any(isinstance(error, OSError if isinstance(theirs, OSError) else type(theirs))
               for theirs in numpy_errors if theirs is not None)


def impossible_allocation(error, target, values, expected):
    """A MemoryError that is NumPy's own answer to the arguments: its allocator's refusal of
    an array of the size asked for where there is no NumPy function to ask
    (np.random.rand(10**13)) or where NumPy's answer is a view of such a size that ndgrad
    gives as an array of its own (np.broadcast_to(x, (10**13,))), or an argument NumPy cannot
    make an array of (range(10**13))."""
    if not isinstance(error, MemoryError):
        return False
    if type(error).__name__ == "_ArrayMemoryError":
        answer = expected[0].result if expected else None
        if target.counterpart is None or getattr(answer, "nbytes", 0) >= 2**40:
            return True
    for value in values:
        if isinstance(attempt(lambda v=value: numpy.asarray(as_numpy(v))).error, MemoryError):
            return True
    return False


# -- what is fuzzed ----------------------------------------------------------------------------
POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
# keywords tried on functions that take **kwargs or whose signature cannot be read
COMMON_KEYWORDS = ("axis", "axes", "keepdims", "dtype", "shape", "out", "ord", "k", "n",
                   "where", "casting", "order", "decimals")


@dataclass(frozen=True)
class Signature:
    positional: tuple       # names, in order
    required: int           # how many positional parameters have no default
    varargs: bool           # takes *args
    keywords: tuple         # names that may be passed by keyword


def signature_of(fn, method=False):
    target = fn
    primitive = getattr(fn, "forward", None) if type(fn).__name__ == "Primitive" else None
    if primitive is not None:
        arity = getattr(fn, "arity", None)
        if arity is not None:           # a ufunc's primitive: arity operands, NumPy keywords
            return Signature(tuple(f"x{i}" for i in range(arity)), arity, False,
                             COMMON_KEYWORDS)
        target = primitive
    try:
        parameters = list(inspect.signature(target).parameters.values())
    except (TypeError, ValueError):
        return Signature(("a",), 0, True, COMMON_KEYWORDS)
    if method and parameters and parameters[0].name == "self":
        parameters = parameters[1:]
    positional = tuple(p.name for p in parameters if p.kind in POSITIONAL)
    required = sum(1 for p in parameters if p.kind in POSITIONAL and p.default is p.empty)
    varargs = any(p.kind is p.VAR_POSITIONAL for p in parameters)
    keywords = tuple(p.name for p in parameters
                     if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        keywords += tuple(k for k in COMMON_KEYWORDS if k not in keywords)
    return Signature(positional, required, varargs, keywords)


@dataclass(frozen=True)
class Target:
    name: str
    function: object              # called as function(*args, **kwargs), or with a receiver
    signature: Signature
    counterpart: object = None    # NumPy's function, called with the arguments as NumPy data
    receiver: str | None = None   # "ndarray", "NDArray", "Generator", "IndexUpdate"


def numpy_counterpart(namespace, name):
    modules = {"np": numpy, "np.linalg": numpy.linalg, "np.random": numpy.random,
               "nd": numpy}
    special = {("npx", "save"): numpy.save, ("npx", "load"): numpy.load,
               ("ndarray", "_getitem"): operator.getitem}
    if (namespace, name) in special:
        return special[namespace, name]
    if namespace == "scipy.special":
        try:
            import scipy.special
        except ImportError:
            return None
        return getattr(scipy.special, name, None)
    module = modules.get(namespace)
    return getattr(module, name, None) if module is not None else None


def _public_callables(module):
    """A module's ``__all__``, or (without one) its public names defined in it, not imported."""
    names = getattr(module, "__all__", None)
    for name in names if names is not None else dir(module):
        value = getattr(module, name)
        if names is None and (name.startswith("_") or
                              getattr(value, "__module__", None) != module.__name__):
            continue
        if callable(value) and not inspect.ismodule(value):
            yield name, value


def _methods(cls, own_dunders=True):
    """The public methods of ``cls`` and, with ``own_dunders``, the dunders it defines itself
    (operators, indexing, conversions), as (name, plain function)."""
    for name in dir(cls):
        static = inspect.getattr_static(cls, name)
        if isinstance(static, property) or not callable(getattr(cls, name)):
            continue
        if name.startswith("__"):
            if not own_dunders or name not in vars(cls) or name in NOT_FUZZED_DUNDERS:
                continue
        elif name.startswith("_"):
            continue
        yield name, getattr(cls, name)


# NumPy's protocol hooks, called by NumPy itself with a ufunc or a function and NumPy's own
# argument tuples; they are not an interface a user calls, so random arguments say nothing.
NOT_FUZZED_DUNDERS = {"__array_ufunc__", "__array_function__"}


def collect_targets():
    targets, seen = {}, set()

    def add(name, fn, counterpart=None, receiver=None, method=False):
        key = (id(fn), receiver)
        if key in seen:
            return          # an alias (np.abs, nd.sum) is the same function: fuzzed once
        seen.add(key)
        signature = signature_of(fn, method)
        bound = REGISTRY.namespaces["np"].get(name.rpartition(".")[2])
        if method and signature.positional == () and bound is not None:
            # a method bound from the registry (x.sum): the function's parameters after the
            # array's
            whole = signature_of(bound)
            signature = Signature(whole.positional[1:], max(0, whole.required - 1),
                                  whole.varargs, whole.keywords[1:])
        if name.endswith(".__getitem__"):      # bound as an operator: (self, other)
            signature = Signature(("key",), 1, False, ())
        elif name.rpartition(".")[2].startswith("__"):  # Python's syntax passes no keywords
            signature = Signature(signature.positional, signature.required, signature.varargs,
                                  ())
        targets[name] = Target(name, fn, signature, counterpart, receiver)

    for namespace in sorted(REGISTRY.namespaces):
        for name, fn in sorted(REGISTRY.namespaces[namespace].items()):
            add(f"{namespace}.{name}", fn, numpy_counterpart(namespace, name))
    modules = {"ndgrad": ndgrad, "nd": nd, "npx": npx, "autograd": autograd, "func": func,
               "viz": viz, "testing": testing, "plot": plot}
    for label, module in modules.items():
        for name, fn in _public_callables(module):
            if inspect.isclass(fn) and issubclass(fn, BaseException):
                continue        # an exception class: its constructor takes anything
            if isinstance(fn, type) and label == "ndgrad" and fn is ndgrad.ndarray:
                continue        # the array type: its methods are fuzzed below
            add(f"{label}.{name}", fn,
                numpy_counterpart(label, name) if label == "nd" else None)
    for name, fn in vars(nd.random).items():
        add(f"nd.random.{name}", fn, getattr(numpy.random, name, None))
    for name, fn in _methods(ndgrad.ndarray):
        add(f"ndarray.{name}", fn, getattr(numpy.ndarray, name, None), "ndarray", True)
    for name, fn in _methods(nd.NDArray):
        add(f"NDArray.{name}", fn, getattr(numpy.ndarray, name, None), "NDArray", True)
    for name, fn in _methods(np.random.Generator, own_dunders=False):
        add(f"Generator.{name}", fn, getattr(numpy.random.Generator, name, None),
            "Generator", True)
    update = type(np.zeros(2).at[0])
    for name, fn in _methods(update, own_dunders=False):
        add(f"ndarray.at[].{name}", fn, NUMPY_INDEX_UPDATES.get(name), "IndexUpdate", True)
    return targets


# x.at[key].set(values) and .add(values) in NumPy: the index checked first, as ndgrad's
# x.at[key] does (NumPy's own order is the values' first)
def _numpy_set(a, key, values):
    a = a.copy()
    a[key]
    a[key] = values
    return a


def _numpy_add(a, key, values):
    a = a.copy()
    a[key]
    numpy.add.at(a, key, values)
    return a


NUMPY_INDEX_UPDATES = {"set": _numpy_set, "add": _numpy_add}

# Functions that cannot be fuzzed, with the reason (none so far: the file functions run in a
# temporary directory instead).
NOT_FUZZED: dict[str, str] = {}

TARGETS = collect_targets()


# -- values --------------------------------------------------------------------------------------
STRINGS = ["", "a", "float32", "float64", "int8", "bool", "O", "complex128", "M8[s]", "U3",
           "S", "V", "write", "add", "null", "fro", "nuc", "ij,jk->ik", "i,i->", "...", "->",
           "relu", "max", "C", "F", "K", "L", "U", "nan", "-1", " ", "\x00", "é", "a.npy",
           "a.npz", "."]
BYTES = [b"", b"a", b"\x93NUMPY", b"\x00"]
INTS = [0, 1, -1, 2, 3, -3, 7, -7, 64, 10**13, -10**13, 2**31, 2**63 - 1, 2**63, -2**63,
        -2**63 - 1, 2**64, 10**30, -10**30]
FLOATS = [0.0, -0.0, 0.5, -1.5, 1e-300, 5e-324, 1e308, -1e308, math.inf, -math.inf, math.nan,
          3.0, 1e13]
COMPLEX = [0j, 1j, 1 + 2j, complex(math.nan, 0), complex(math.inf, -math.inf)]
DTYPES = ["float64", "float32", "float16", "int64", "int8", "uint8", "bool", "complex128",
          "object", "U3", "S2", "datetime64[s]", "timedelta64[s]"]
SHAPES = [(), (0,), (2, 0), (3,), (2, 3), (3, 3), (1, 1, 1, 1, 1), (2, 1, 2, 1, 2)]
FILLS = ["normal", "nan", "inf", "zeros", "large"]
AXES = [(0, 0), (0, 5), (-10,), (1, -1), (), (0.5,), ("a",), (None,), (True,), (10**13,),
        (2**63,), (0, 1, 2, 3, 4, 5, 6), [0, 1], (numpy.int64(0),), (numpy.float64(0),)]
BAD_SHAPES = [(-1,), (-1, -1), (0,), (10**13,), (10**7, 10**7), (2**62, 4), (2**63,), (3.0,),
              ("a",), (None,), [2, 3], (-2,), (1,) * 33, (1,) * 65, (10**13, 0)]


def _raw_array(dtype, shape, fill, seed):
    rng = numpy.random.default_rng(seed)
    values = {"normal": lambda: rng.standard_normal(shape),
              "nan": lambda: numpy.full(shape, numpy.nan),
              "inf": lambda: numpy.where(rng.random(shape) < 0.5, numpy.inf, -numpy.inf),
              "zeros": lambda: numpy.zeros(shape),
              "large": lambda: numpy.full(shape, 1e300)}[fill]()
    with numpy.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dtype.startswith(("datetime64", "timedelta64")):
            return numpy.arange(int(numpy.prod(shape))).reshape(shape).astype(dtype)
        if dtype == "object":
            data = values.astype(object)
            if data.size:
                data.flat[0] = None
            return data
        return values.astype(dtype)


def _to_ndgrad(data):
    """``data`` as an ndgrad array; NumPy's array where ndgrad refuses the dtype (object,
    strings, dates): it is then a bad argument of its own."""
    try:
        return np.asarray(data)
    except Exception:       # noqa: BLE001 (any refusal: the NumPy array is used instead)
        return data


@st.composite
def arrays(draw, dtypes=DTYPES, shapes=SHAPES, fills=FILLS):
    data = _raw_array(draw(st.sampled_from(dtypes)), draw(st.sampled_from(shapes)),
                      draw(st.sampled_from(fills)), draw(st.integers(0, 3)))
    form = draw(st.sampled_from(["numpy", "ndgrad", "list", "read-only", "strided"]))
    if form == "ndgrad":
        return _to_ndgrad(data)
    if form == "list":
        return data.tolist()
    if form == "read-only":
        data.flags.writeable = False
    if form == "strided" and data.ndim:
        return data[..., ::-1]
    return data


def _objects():
    return [object(), lambda: None, lambda *a, **k: 0, {}, {"a": 1}, {0: 1.0}, set(), {1, 2},
            Ellipsis, slice(None), slice(None, None, -1), slice(0, 10**13), slice(1.5),
            int, float, type, numpy.ndarray, numpy.float64(2.5), numpy.int64(-1),
            numpy.uint8(255), numpy.bool_(True), numpy.float32(numpy.nan),
            numpy.datetime64("2020-01-01"), numpy.timedelta64(1, "s"), numpy.complex64(1j),
            numpy.dtype("float64"), numpy.dtype("O"), range(3), range(10**13),
            iter([1.0, 2.0]), io.BytesIO(), io.StringIO(), pathlib.Path("p"), NotImplemented,
            memoryview(b"ab"), bytearray(b"ab"), ndgrad.cpu(), ndgrad.gpu(1),
            np.random.default_rng(0)]


def _self_containing():
    loop = [1.0]
    loop.append(loop)
    return loop


def _nested(depth):
    value = [1.0]
    for _ in range(depth):
        value = [value]
    return value


def _lists(scene):
    return [[[1.0, 2.0], [3.0]], [[1.0], [[2.0]]], [], [[]], [[], []], [1.0, "a"], [None],
            [1.0, [2.0]], [[1.0, 2.0], [3.0, 4.0]], [(1.0, 2.0), (3.0, 4.0)],
            _self_containing(), _nested(70), [scene.array(), np.ones(3)],
            [scene.array(), 1.0], (scene.array(),), [[scene.variable]], [scene.variable, None]]


def bad_values(scene):
    return st.one_of(
        st.none(), st.booleans(), st.sampled_from(INTS), st.integers(-10, 10),
        # (floats of middling size, 6e7, are left out: as a size they could allocate slowly)
        st.sampled_from(FLOATS), st.floats(-10, 10), st.sampled_from(COMPLEX),
        st.sampled_from(STRINGS), st.sampled_from(BYTES),
        st.integers(0, len(_objects()) - 1).map(lambda i: _objects()[i]),
        arrays(), arrays(),
        st.integers(0, len(_lists(scene)) - 1).map(lambda i: _lists(scene)[i]),
        st.sampled_from(AXES), st.sampled_from(BAD_SHAPES),
        st.sampled_from([scene.head, scene.variable, scene.constant]),
    )


# -- plausible values, by parameter name -------------------------------------------------------
def f_sum_of_sines(x, *rest):
    return np.sum(np.sin(x))


def f_identity(x, *rest):
    return x


def f_pair(x, *rest):
    return np.sum(x * x), x


def f_tree(x, *rest):
    return {"a": x * 2.0, "b": [x]}


def f_number(*args):
    return 1.0


def f_none(*args):
    return None


FUNCTIONS = [f_sum_of_sines, f_identity, f_pair, f_tree, f_number, f_none, np.sum, np.sin]

SMALL_INTS = {"axis", "axis1", "axis2", "axisa", "axisb", "axisc", "start", "source",
              "destination", "k", "n", "N", "M", "ddof", "kth", "repeats", "shift", "num",
              "depth", "num_hidden", "num_filter", "num_group", "input_dim", "output_dim",
              "index", "seed", "offset", "decimals", "device_id", "argnums", "order", "low",
              "high", "in_axes", "out_axes", "indices_or_sections", "max_header_size",
              "max_expansion"}
FLAGS = {"keepdims", "copy", "endpoint", "retstep", "overwrite_input", "full_matrices",
         "compute_uv", "hermitian", "replace", "returned", "subok", "no_bias", "flatten",
         "fix_gamma", "use_global_stats", "use_sequence_length", "sparse_grad", "global_pool",
         "count_include_pad", "allow_pickle", "has_aux", "retain_graph", "create_graph",
         "train_mode", "is_recording", "gradients", "upper", "return_sign", "shuffle", "lock",
         "bias", "sparse"}
REALS = {"fill_value", "value", "on_value", "off_value", "nan", "posinf", "neginf", "loc",
         "scale", "slope", "momentum", "eps", "rcond", "rtol", "atol", "a_min", "a_max", "p",
         "step", "stop", "q"}
WORDS = {"mode": ["constant", "reduced", "valid", "linear", "raise", "wrap", "clip"],
         "method": ["linear", "nearest"], "kind": ["quicksort", "stable"],
         "act_type": ["relu", "sigmoid", "tanh", "softrelu"], "pool_type": ["max", "avg"],
         "side": ["left", "right"], "casting": ["same_kind", "unsafe"], "order": ["C", "F"],
         "UPLO": ["L", "U"], "layout": ["NCW", "NCHW"], "pooling_convention": ["valid", "full"],
         "grad_req": ["write", "add", "null"], "grad_reqs": ["write", "add", "null"],
         "stype": ["default"], "device_type": ["cpu", "gpu"], "optimize": ["greedy"],
         "modes": [("fwd", "rev"), ("rev",)], "label": ["f"], "subscripts": ["ij,jk->ik"]}


class Scene:
    """The arrays one example works with: float64 operands, and a variable with a recorded
    head (for backward, grad, viz.graph, explain)."""

    def __init__(self, recorded):
        rng = numpy.random.default_rng(7)
        self._rng = rng
        self.variable = np.array(rng.standard_normal((2, 3)))
        self.variable.attach_grad()
        with autograd.record():
            self.head = np.sum(self.variable * self.variable)
        self.constant = np.array(rng.standard_normal((2, 3)))
        self.recorded = recorded
        self.square = False

    def array(self, shape=(2, 3)):
        return np.array(self._rng.standard_normal(shape))

    def operand(self, shape=(2, 3)):
        """A plausible array operand: ndgrad (the variable, while recording), NumPy or a list."""
        return st.sampled_from(["ndgrad", "numpy", "list", "variable"]).map(
            lambda form: (self.variable if form == "variable" and shape == (2, 3)
                          else self.array(shape) if form in ("ndgrad", "variable")
                          else numpy.random.default_rng(1).standard_normal(shape)
                          if form == "numpy"
                          else numpy.random.default_rng(2).standard_normal(shape).tolist()))


def plausible(name, scene):
    if name in ("out", "initial", "weights", "sorter", "prepend", "append"):
        return st.none()
    if name == "where":
        return st.just(True)
    if name in FLAGS:
        return st.booleans()
    if name in WORDS:
        return st.sampled_from(WORDS[name])
    if name in SMALL_INTS:
        return st.integers(-1, 2)
    if name in REALS:
        return st.sampled_from([0.5, 1.0, 0.0, 2.0])
    if name in ("dtype",):
        return st.sampled_from([None, "float64", "float32", "int64"])
    if name in ("shape", "size", "newshape", "reps", "output_size"):
        return st.sampled_from([(2, 3), 6, (3, 2), (2, 1, 3)])
    if name in ("axes",):
        return st.sampled_from([None, (1, 0), 1, (0, 1)])
    if name == "ord":
        return st.sampled_from([None, 2, 1, "fro", math.inf])
    if name in ("kernel", "stride", "pad", "dilate"):
        return st.sampled_from([(2,), (1,), (0,), (1, 1)])
    if name in ("f", "fun", "function", "fn", "hook", "fwd", "bwd", "jvp"):
        return st.sampled_from(FUNCTIONS)
    if name in ("heads", "head", "y"):
        return st.sampled_from([scene.head, [scene.head]])
    if name in ("variables", "variable"):
        return st.sampled_from([scene.variable, [scene.variable]])
    if name in ("head_grads", "head_grad", "out_grad", "gradients"):
        return st.sampled_from([None, np.array(1.0), np.zeros((2, 3))])
    if name in ("primals", "tangents", "args"):
        return st.just((scene.array(),))
    if name in ("file", "fname", "path"):
        return st.sampled_from(["a", "a.npy", "a.npz", io.BytesIO()])
    if name in ("arrays", "tup", "arys", "operands", "xi", "choices"):
        return st.lists(scene.operand(), min_size=1, max_size=3)
    if name in ("key", "index_key"):
        return st.sampled_from([0, -1, (0, 1), slice(None), Ellipsis, (slice(None), 0), [0, 1],
                                None, (Ellipsis, None)])
    if name in ("device", "ctx"):
        return st.sampled_from([None, ndgrad.cpu(), "cpu"])
    if name in ("a", "m") and scene.square:
        return scene.operand((3, 3))
    return scene.operand()


def value_for(name, scene):
    return st.one_of(plausible(name, scene), bad_values(scene))


@st.composite
def calls(draw, target, scene):
    """(receiver, args, kwargs, follow-up args) for one call of ``target``."""
    sig = target.signature
    receiver = None
    if target.receiver in ("ndarray", "NDArray"):
        receiver = draw(st.one_of(scene.operand().filter(lambda a: not isinstance(a, list)),
                                  st.just(scene.head), arrays()))
        if not isinstance(receiver, ndgrad.ndarray):
            receiver = _to_ndgrad(receiver)
        if not isinstance(receiver, ndgrad.ndarray):    # a dtype ndgrad cannot hold
            receiver = scene.array()
        if target.receiver == "NDArray":
            receiver = nd.array(receiver.detach().asnumpy(), dtype=receiver.dtype)
    elif target.receiver == "Generator":
        receiver = np.random.default_rng(draw(st.integers(0, 3)))
    elif target.receiver == "IndexUpdate":
        receiver = draw(st.one_of(scene.operand().filter(lambda a: not isinstance(a, list)),
                                  arrays()))
        if not isinstance(receiver, ndgrad.ndarray):
            receiver = _to_ndgrad(receiver)
        if not isinstance(receiver, ndgrad.ndarray):
            receiver = scene.array()
        sig = Signature(("key",) + sig.positional, sig.required + 1, sig.varargs,
                        sig.keywords)
    # mostly as many positional arguments as the function takes, now and then one too few
    # or too many
    if draw(st.sampled_from([False] * 7 + [True])):
        count = draw(st.sampled_from([max(0, sig.required - 1),
                                      len(sig.positional) + (3 if sig.varargs else 1)]))
    else:
        count = draw(st.integers(sig.required, len(sig.positional) + (2 if sig.varargs else 0)))
    names = list(sig.positional) + ["a"] * max(0, count - len(sig.positional))
    names = names[:count]
    free = [k for k in sig.keywords if k not in sig.positional[:count]]
    if free:
        names += draw(st.lists(st.sampled_from(free), unique=True, max_size=3))
    # up to three of the arguments are bad, the others plausible: calls get past the first
    # check, and a failure shrinks to the bad arguments that make it
    bad = set(draw(st.lists(st.integers(0, len(names) - 1), unique=True,
                            max_size=min(3, len(names))))) if names else set()
    values = [draw(bad_values(scene) if i in bad else plausible(name, scene))
              for i, name in enumerate(names)]
    args, kwargs = values[:count], dict(zip(names[count:], values[count:]))
    follow = draw(st.lists(value_for("x", scene), max_size=3))
    return receiver, args, kwargs, follow


# -- NumPy's answer ------------------------------------------------------------------------------
def as_numpy(value, seen=None):
    """The same value with ndgrad arrays as NumPy arrays (copies), at any depth."""
    seen = set() if seen is None else seen
    if isinstance(value, ndgrad.ndarray):
        data = value.detach().asnumpy()
        data.flags.writeable = value._data.flags.writeable   # NumPy refuses some read-only
        return data
    if type(value) in (list, tuple):
        if id(value) in seen:
            return value
        seen.add(id(value))
        return type(value)(as_numpy(v, seen) for v in value)
    if type(value) is dict:
        return {k: as_numpy(v, seen) for k, v in value.items()}
    if type(value).__name__ == "Generator" and hasattr(value, "_source"):
        return numpy.random.default_rng(0)
    return value


def _signature(function):
    try:
        return inspect.signature(function)
    except (TypeError, ValueError):
        return None


# ndgrad's names for parameters that NumPy's counterpart names otherwise
NUMPY_NAMES = {"nd.array": {"source_array": "object"}, "nd.full": {"val": "fill_value"},
               "npx.save": {"data": "arr"}}


def numpy_arguments(target, receiver, args, kwargs):
    """The call's arguments as NumPy's function takes them: as NumPy data, each under NumPy's
    name or position for its parameter, ndgrad's own (ctx=, device=) left out. A ``dtype``
    stays as given: NumPy reads the dtype of any object that has one."""
    def convert(name, value):
        return value if name == "dtype" else as_numpy(value)

    ours, theirs = _signature(target.function), _signature(target.counterpart)
    prefix = [as_numpy(receiver)] if receiver is not None else []
    bound = None
    if receiver is None and ours and theirs and not any(
            p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in ours.parameters.values()):
        with contextlib.suppress(TypeError):
            bound = ours.bind(*args, **kwargs).arguments
    if bound is None:           # no signature to go by: the arguments as they were given
        accepted = None
        if theirs is not None and not any(p.kind is p.VAR_KEYWORD
                                          for p in theirs.parameters.values()):
            accepted = set(theirs.parameters)
        return (prefix + [as_numpy(a) for a in args],
                {k: convert(k, v) for k, v in kwargs.items() if accepted is None or k in accepted})
    names = NUMPY_NAMES.get(target.name, {})
    by_name = {names.get(name, name): value for name, value in bound.items()}
    ours_positional = [names.get(p.name, p.name) for p in ours.parameters.values()
                       if p.kind in POSITIONAL]
    positional, keywords = list(prefix), {}
    for index, parameter in enumerate(theirs.parameters.values()):
        if parameter.kind is parameter.POSITIONAL_ONLY:
            name = ours_positional[index] if index < len(ours_positional) else None
            if name not in by_name:
                break
            positional.append(convert(name, by_name[name]))
        elif parameter.name in by_name and parameter.kind is not parameter.VAR_KEYWORD:
            keywords[parameter.name] = convert(parameter.name, by_name[parameter.name])
    return positional, keywords


def numpy_outcomes(target, receiver, args, kwargs):
    """NumPy's answers: to the whole call first, then to the call less one of its optional
    arguments, each in turn (NumPy checks the arguments in its own order, and may refuse
    another bad argument before the one ndgrad refused)."""
    if target.counterpart is None:
        return [Outcome(None, [])]
    positional, keywords = numpy_arguments(target, receiver, args, kwargs)
    variants = [(positional, keywords)]
    variants += [(positional, {k: v for k, v in keywords.items() if k != key})
                 for key in keywords]
    if len(positional) > 1:
        variants.append((positional[:-1], keywords))
    # and with one list or number made a NumPy array, each in turn (numpy.take_along_axis
    # takes arrays only: a list's error there is NumPy's AttributeError, not the array's)
    for index, value in enumerate(positional):
        if _as_array(value) is not value:
            variants.append((positional[:index] + [_as_array(value)] + positional[index + 1:],
                             keywords))
    for key, value in keywords.items():
        if _as_array(value) is not value:
            variants.append((positional, {**keywords, key: _as_array(value)}))
    if len(variants) > 2:       # ... and all of them at once
        variants.append(([_as_array(a) for a in positional],
                         {k: _as_array(v) for k, v in keywords.items()}))
    return [attempt(lambda a=a, k=k: target.counterpart(*a, **k)) for a, k in variants]


def _as_array(value):
    if type(value) in (list, tuple, bool, int, float, complex):
        with contextlib.suppress(Exception), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return numpy.asarray(value)
    return value


# -- one call --------------------------------------------------------------------------------------
def settle(result, follow):
    """What a call returned, used: a context manager entered, a function called with
    ``follow`` (a transform's result, a pullback), an iterator run."""
    if isinstance(result, ndgrad.ndarray) or inspect.isclass(result):
        return result
    if hasattr(result, "__enter__") and hasattr(result, "__exit__"):
        with result:
            pass
        return result
    if isinstance(result, tuple) and any(callable(r) and not isinstance(r, ndgrad.ndarray)
                                         for r in result):
        for part in result:
            if callable(part) and not isinstance(part, ndgrad.ndarray):
                part(*follow)
        return result
    if callable(result) and (inspect.isfunction(result) or hasattr(result, "__wrapped__")
                             or type(result).__module__.startswith("ndgrad")):
        return result(*follow)
    if inspect.isgenerator(result) or type(result).__name__.endswith("iterator"):
        for _, _ in zip(range(10), result):
            pass
    return result


def first_recorded(result):
    stack = [result]
    while stack:
        value = stack.pop()
        if isinstance(value, ndgrad.ndarray):
            if value._node is not None and value.dtype.kind == "f":
                return value
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
    return None


@contextlib.contextmanager
def restored_state():
    """The process-wide switches a fuzzed call may flip (set_recording, set_default_dtype),
    put back."""
    recording, training = autograd.is_recording(), autograd.is_training()
    dtype = ndgrad.default_dtype()
    try:
        yield
    finally:
        autograd.set_recording(recording)
        autograd.set_training(training)
        ndgrad.set_default_dtype(dtype)


def report(target, what, receiver, args, kwargs, outcome, expected):
    error = outcome.error
    shown = ", ".join([_short(a) for a in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()])
    on = f"{_short(receiver)}." if receiver is not None else ""
    parts = [f"{what}: {on}{target.name}({shown})"]
    if error is not None:
        parts.append(f"raised {type(error).__name__}: {str(error)[:300]} at {where(error)}")
    if outcome.warnings:
        parts.append("warned " + ", ".join(f"{c.__name__} at {at}" for c, at in outcome.warnings))
    if expected:
        first = expected[0].error
        parts.append(f"NumPy raised {type(first).__name__}" if first else "NumPy answered")
    return "; ".join(parts)


def _short(value):
    try:
        text = repr(value)
    except Exception as error:      # noqa: BLE001 (a report must not fail on a bad repr)
        text = f"<{type(value).__name__}: repr raised {type(error).__name__}>"
    text = " ".join(text.split())
    return text if len(text) < 80 else text[:77] + "..."


@pytest.fixture(autouse=True, scope="module")
def in_a_temporary_directory(tmp_path_factory):
    """File functions (np.save, npx.load ...) read and write only a temporary directory."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("fuzz"))
        yield


# -- known findings ---------------------------------------------------------------------------
# Findings whose fix belongs in a module that someone else is restructuring (_ndarray.py,
# _primitive.py, _custom.py ...) or that this work may not change (_pytree.py, _explain.py,
# testing.py, plot.py).
# Each names the text its report contains (every part, or a test of the text and the call's
# positional arguments), the reason, and its one exact case. The fuzz test lets a call with such a report pass;
# test_known_finding runs the exact case, xfail(strict=True): when the fix lands the case
# passes, the xfail fails, and the entry is removed.
def only_documented(call):
    outcome = attempt(call)
    assert allowed(outcome.error, False), \
        f"{type(outcome.error).__name__}: {outcome.error} at {where(outcome.error)}"


def _variable():
    x = np.array([1.0, 2.0])
    x.attach_grad()
    return x


def _backward_of(f):
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    x.attach_grad()
    with autograd.record():
        y = f(x)
    y.backward()


def _head_of(x):
    with autograd.record():
        return np.sum(x * x)


# Findings of this tier that are fixed: each call now raises a documented error (or, for the
# masked ufunc, writes as NumPy: tests/ops/test_elementwise.py). Kept as regression checks.
FIXED = {
    "a list that contains itself": lambda: np.sum(_self_containing()),
    "a pytree that contains itself": lambda: func.grad(lambda a: np.sum(a))(_self_containing()),
    "explain of a variable by itself": lambda: autograd.explain(*[_variable()] * 2,
                                                                file=io.StringIO()),
    "explain's file= unchecked": lambda: autograd.explain(_head_of(x := _variable()), x,
                                                          file="explained.txt"),
    "explain's names= unchecked": lambda: autograd.explain(_head_of(x := _variable()), x,
                                                           names=["x"]),
    "plot into axes that are not axes": lambda: plot.function_and_derivative(
        np.sin, np.array([0.0, 0.5, 1.0]), ax=np.ones(2)),
    "a Python object given to a primitive": lambda: np.flip({}),
}


@pytest.mark.parametrize("case", sorted(FIXED))
def test_fixed_finding_raises_only_documented_errors(case):
    only_documented(FIXED[case])


# Findings not fixed yet: name -> (how to recognise its report, the reason and the proposed
# fix, a call that shows it); each is a strict xfail below, so a fix must move it to FIXED.
KNOWN: dict = {}


def known(report_text, args=()):
    """The reason of the known finding that ``report_text`` (of a call with ``args``) is, if
    it is one."""
    for test, reason, _ in KNOWN.values():
        if (test(report_text, args) if callable(test)
                else all(part in report_text for part in test)):
            return reason
    return None


@pytest.mark.parametrize("case", [pytest.param(name, marks=pytest.mark.xfail(
    strict=True, reason=KNOWN[name][1])) for name in KNOWN])
def test_known_finding(case):
    KNOWN[case][2]()


@pytest.mark.parametrize("name", [n for n in TARGETS if n not in NOT_FUZZED])
@FUZZ
@given(data=st.data())
def test_bad_arguments_raise_only_documented_errors(name, data):
    target = TARGETS[name]
    mode = data.draw(st.sampled_from(["plain", "plain", "record", "anomaly"]), label="mode")
    scene = Scene(recorded=mode != "plain")
    scene.square = name.startswith("np.linalg.") or data.draw(st.booleans(), label="square")
    receiver, args, kwargs, follow = data.draw(calls(target, scene), label="call")
    anomaly = mode == "anomaly"

    def call():
        function = target.function
        with contextlib.ExitStack() as stack:
            if anomaly:
                stack.enter_context(autograd.detect_anomaly())
            if mode != "plain":
                stack.enter_context(autograd.record())
            if target.receiver == "IndexUpdate":
                result = function(receiver.at[args[0]], *args[1:], **kwargs)
            elif receiver is not None:
                result = function(receiver, *args, **kwargs)
            else:
                result = function(*args, **kwargs)
            return settle(result, follow)

    with restored_state():
        outcome = attempt(call)
    if isinstance(outcome.error, ALSO_DOCUMENTED.get(name, ())):
        outcome.error = None
    # (--hypothesis-show-statistics counts how the calls ended)
    event(f"{mode}: " + (type(outcome.error).__name__ if outcome.error else "answered"))
    expected = None
    if not allowed(outcome.error, anomaly) or outcome.warnings:
        expected = numpy_outcomes(target, receiver, args, kwargs)
    if not allowed(outcome.error, anomaly, [e.error for e in expected or ()]):
        if isinstance(outcome.error, Hang) and isinstance(expected[0].error, Hang):
            return      # NumPy does not answer either (np.diff(x, n=10**13))
        if impossible_allocation(outcome.error, target, [receiver, *args, *kwargs.values()],
                                 expected):
            return
        if isinstance(outcome.error, OSError) and {"file", "fname"} & set(
                target.signature.positional + target.signature.keywords):
            return      # the file system's answer to a path, as numpy.save's and load's
        message = report(target, "escaped", receiver, args, kwargs, outcome, expected)
        if known(message, args):
            return      # test_known_finding holds the exact case
        raise AssertionError(message) from outcome.error
    if outcome.warnings and not ({c for c, _ in outcome.warnings}
                                 <= {c for e in expected for c in e.all_warnings}):
        message = report(target, "warned", receiver, args, kwargs, outcome, expected)
        if known(message):
            return
        raise AssertionError(message)

    head = first_recorded(outcome.result) if mode != "plain" else None
    if head is None:
        return

    def backward():
        with autograd.detect_anomaly() if anomaly else contextlib.nullcontext():
            head.backward()

    with restored_state():
        after = attempt(backward, quiet_floats=False)
    event("backward: " + (type(after.error).__name__ if after.error else "ran"))
    if not allowed(after.error, anomaly) or after.warnings:
        message = report(target, "backward of the result", receiver, args, kwargs, after, None)
        if known(message, args):
            return
        raise AssertionError(message) from after.error
