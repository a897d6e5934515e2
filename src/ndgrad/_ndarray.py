"""The ndgrad array: NumPy data, the node that produced it, and a gradient sink.

Operators and most methods are bound from the registry through the tables at the bottom of
this file, so ``x + y`` and ``np.add(x, y)`` are the same primitive.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import numpy

from . import _device
from ._node import CUTS, Cut, GradSink, HookHandle, Node
from ._registry import REGISTRY
from ._state import STATE
from .errors import GradientLostError, InPlaceModifiedError

if TYPE_CHECKING:                   # typing.Self is Python 3.11; annotations are not evaluated
    from typing_extensions import Self

_DEFAULT_DTYPE = [numpy.dtype(numpy.float32)]
# the dtypes NumPy's repr leaves unnamed in a non-empty array (its dtype_is_implied)
_UNNAMED_BY_NUMPY = frozenset(numpy.dtype(t) for t in (numpy.float64, numpy.int_,
                                                       numpy.complex128, numpy.bool_))


def default_dtype() -> numpy.dtype:
    """The float dtype that Python numbers and lists become (float32, as MXNet)."""
    return _DEFAULT_DTYPE[0]


def set_default_dtype(dtype: Any) -> numpy.dtype:
    """Set the default float dtype ("float32" or "float64"); returns the previous one."""
    dtype = numpy.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"the default dtype must be a float dtype such as 'float32' or "
                        f"'float64', not {dtype}")
    previous = _DEFAULT_DTYPE[0]
    _DEFAULT_DTYPE[0] = dtype
    return previous


def to_numpy(value: Any, dtype: Any = None) -> numpy.ndarray:
    """Raw data for ``value``: ndgrad arrays give their data, NumPy arrays keep their dtype,
    Python numbers and lists of them take the default float dtype; a list holding arrays
    takes the arrays' dtype (as np.stack would); an explicit ``dtype`` wins."""
    if isinstance(value, ndarray):
        data = value._data
        return data if dtype is None else data.astype(dtype, copy=False)
    holds_arrays = False
    if isinstance(value, (list, tuple)):
        holds_arrays = _holds_arrays(value)
        value = _raw_nested(value)                  # ndgrad's own data, at any depth
    if dtype is not None:
        data = numpy.asarray(value, dtype=dtype)
    else:
        data = numpy.asarray(value)
        if data.dtype.kind in "iuf" and not holds_arrays and not isinstance(
                value, (numpy.ndarray, numpy.generic)):
            data = data.astype(_DEFAULT_DTYPE[0])
    if data.dtype.kind not in "biufc":
        raise TypeError(
            f"ndgrad arrays hold numbers or booleans, but this {type(value).__name__} converts "
            f"to dtype {data.dtype}: give numbers (nested lists with rows of one length), or "
            "convert the data to a numeric dtype first")
    return data


# NumPy's limit on dimensions: a list nested deeper (or one that contains itself) is no array
MAX_NESTING = 64


def too_deep(depth: int) -> None:
    """Refuse a list nested past NumPy's 64 dimensions, as NumPy does (ValueError), before
    walking into it raises RecursionError (a list that contains itself never ends)."""
    if depth > MAX_NESTING:
        raise ValueError(f"a list nested deeper than {MAX_NESTING} levels (or one that "
                         "contains itself) is not an array: NumPy allows at most "
                         f"{MAX_NESTING} dimensions")


def _holds_arrays(value: list | tuple, depth: int = 1) -> bool:
    """Whether a (nested) list holds an ndgrad or NumPy array: its dtype then decides, so a
    list of float64 arrays is not rounded to float32."""
    too_deep(depth)
    return any(isinstance(v, (ndarray, numpy.ndarray, numpy.generic))
               or isinstance(v, (list, tuple)) and _holds_arrays(v, depth + 1) for v in value)


# Marks after the count in a version counter ([count, *marks]); an unmarked counter has one
# entry, so the recording path tests len() only. STALE: a recorded write left this counter
# behind (ndarray._rebase): the arrays still holding it share a buffer whose new value their
# history lacks. NUMPY_MEMORY: the buffer is a NumPy array the user may still change behind
# ndgrad's back (np.asarray, np.from_dlpack), so nodes save a copy of it.
STALE = "stale"
NUMPY_MEMORY = "numpy memory"


def check_current(array: ndarray) -> bool:
    """Refuse a recorded use of an array whose buffer a recorded write changed behind it;
    True when its buffer is memory the user shares with NumPy."""
    marks = array._version[1:]
    if STALE in marks:
        raise InPlaceModifiedError(
            f"an array of shape {array.shape} shares its memory with an array that was "
            "written into while recording, so its recorded history no longer matches its "
            "data; take the view (or detach()) again after the write, or index the written "
            "array itself")
    return NUMPY_MEMORY in marks


def sharing_numpy_memory(array: ndarray) -> ndarray:
    """``array``, marked as wrapping a NumPy array without a copy: recording then saves a
    copy of it where a derivative rule needs its value, so a change made through NumPy
    between forward and backward cannot make a gradient wrong."""
    if NUMPY_MEMORY not in array._version:
        array._version.append(NUMPY_MEMORY)
    return array


# -- copy-on-write -----------------------------------------------------------------------------
# In MXNet, reshape, transpose (.T), swapaxes, expand_dims, squeeze, ravel and real return new
# arrays: writing into one leaves the other as it was. ndgrad's results of those operations
# share the input's memory (a NumPy view: no copy, whatever the size) until one side is
# written into; the write first gives the borrowing side memory of its own. Arrays that share
# memory *as views* (basic slicing, detach()) share one version list; a borrowing result
# starts a version list of its own, marked with a Loan, and the lender's list is marked with a
# Lender that knows its loans. Every write into an array's memory calls prepare_write.
class Lender:
    """The mark on the version list of arrays whose memory copy-on-write results borrow."""

    __slots__ = ("limit", "loans", "marks")

    def __init__(self, marks: list[Any]) -> None:
        self.loans: list[Loan] = []
        self.marks = marks          # the lender's version list, to unmark when loans end
        self.limit = 16             # forget loans whose arrays are gone past this many

    def lend(self, loan: Loan) -> None:
        self.loans.append(loan)
        if len(self.loans) > self.limit:
            self.loans = [kept for kept in self.loans if kept.live_members()]
            self.limit = max(16, 2 * len(self.loans))


class Loan:
    """The mark on the version list of a copy-on-write result and of its views: the members
    (weakly), which move together to memory of their own before the lender or they change."""

    __slots__ = ("lender", "limit", "members")

    def __init__(self, lender: Lender, first: ndarray) -> None:
        self.lender = lender
        self.members = [weakref.ref(first)]
        self.limit = 16             # forget dead members when there are more than this

    def join(self, array: ndarray) -> None:
        self.members.append(weakref.ref(array))
        if len(self.members) > self.limit:
            self.members = [ref for ref in self.members if ref() is not None]
            self.limit = max(16, 2 * len(self.members))

    def live_members(self) -> list[ndarray]:
        return [array for ref in self.members if (array := ref()) is not None]

    def move(self) -> None:
        """Give the members a copy of the memory they read, as views of one another still."""
        arrays = self.live_members()
        if len(arrays) == 1:
            arrays[0]._data = arrays[0]._data.copy(order="K")
        elif arrays:
            _move_together(arrays)


def _move_together(arrays: list[ndarray]) -> None:
    """Copy the bytes that ``arrays`` (views of one memory) read into one new buffer, and make
    each a view of it at the same offset with the same strides, so they still alias."""
    bounds = [_byte_bounds(a._data) for a in arrays if a._data.size]
    if not bounds:
        for array in arrays:
            array._data = array._data.copy()
        return
    low = min(b[0] for b in bounds)
    buffer = numpy.empty(max(b[1] for b in bounds) - low, dtype=numpy.uint8)
    for array in arrays:
        old = array._data
        if not old.size:
            array._data = old.copy()
            continue
        offset = old.__array_interface__["data"][0] - low
        new = numpy.ndarray(old.shape, old.dtype, buffer=buffer, offset=offset,
                            strides=old.strides)
        new[...] = old
        array._data = new


def _byte_bounds(data: numpy.ndarray) -> tuple[int, int]:
    """The first byte address a non-empty array reads, and one past its last."""
    start = data.__array_interface__["data"][0]
    reach = [(n - 1) * stride for n, stride in zip(data.shape, data.strides)]
    return (start + sum(r for r in reach if r < 0),
            start + sum(r for r in reach if r > 0) + data.itemsize)


def borrow(result: ndarray, source: ndarray) -> None:
    """Make ``result``, a NumPy view of ``source``'s memory, a copy-on-write result: a new
    version list marked with a Loan from the memory's Lender (made on first use)."""
    marks = source._version
    lender = None
    for mark in marks[1:]:
        if type(mark) is Lender:
            lender = mark
        elif type(mark) is Loan:       # a borrower lending on: one lender per memory
            lender = mark.lender
    if lender is None:
        lender = Lender(marks)
        marks.append(lender)
    loan = Loan(lender, result)
    lender.lend(loan)
    result._version = [0, loan]
    if NUMPY_MEMORY in marks:
        result._version.append(NUMPY_MEMORY)


def share_version(array: ndarray, source: ndarray) -> None:
    """Make ``array``, which holds ``source``'s memory as a view, share its version list (and
    so its copy-on-write loan, if it has one)."""
    marks = source._version
    array._version = marks
    if len(marks) != 1:
        for mark in marks[1:]:
            if type(mark) is Loan:
                mark.join(array)


def prepare_write(array: ndarray) -> None:
    """Before ``array``'s memory is written into: the copy-on-write results that borrow it
    get memory of their own, or, if ``array`` is one of them, it and its views do."""
    marks = array._version
    if len(marks) == 1:
        return
    for mark in marks[1:]:
        if type(mark) is Lender:
            for loan in mark.loans:
                loan.move()
                for member in loan.live_members():
                    if loan in member._version:
                        member._version.remove(loan)
            marks.remove(mark)
            return
        if type(mark) is Loan:
            mark.move()
            marks.remove(mark)
            lender = mark.lender
            lender.loans.remove(mark)
            if not lender.loans and lender in lender.marks:
                lender.marks.remove(lender)
            return


def check_differentiable(dtype: numpy.dtype, what: str) -> None:
    """Refuse to differentiate anything but floats and complex numbers: integers and
    booleans have no gradient."""
    if dtype.kind not in "fc":
        raise TypeError(f"{what} must have a float dtype (or a complex one) to be "
                        f"differentiated, not {dtype}; convert it first, e.g. "
                        "x = x.astype('float32')")


def raw(value: Any) -> Any:
    """An ndgrad array's data; anything else as it is (ndgrad's own way to NumPy data, which
    never counts as the value leaving ndgrad)."""
    return value._data if isinstance(value, ndarray) else value


def not_recorded_message(array: ndarray, role: str) -> str:
    """Why ``array`` (the ``role``: head, variable ...) has no recorded history, and the fix:
    one sentence per cause."""
    start = f"cannot differentiate the {role} (shape {array.shape}): "
    if array.dtype.kind not in "fc":
        return start + (f"its dtype is {array.dtype}: an integer or boolean result (argmax, "
                        "comparisons, integer arithmetic) has no gradient by nature; "
                        "differentiate the float computation it came from")
    cut = array._cut
    if cut is not None and cut.how == "detach()":
        return start + ("its history was cut by detach(), which makes a constant; use the "
                        "array itself where the gradient should flow")
    if cut is not None and cut.how == "pause()":
        return start + ("it was computed inside autograd.pause(), which records nothing; "
                        "compute it inside autograd.record()")
    if cut is not None:
        return start + ("it was computed outside autograd.record() from a recorded array "
                        "(z = x * 2 after the record block, or an update w = w - lr * w.grad, "
                        "which makes a new array with no attach_grad()): compute it inside "
                        "'with autograd.record():', and update variables in place "
                        "(w -= lr * w.grad) or call attach_grad() on the new array")
    return start + ("it has no recorded history. Call x.attach_grad() on the inputs, then "
                    "compute it inside 'with autograd.record():'")


def holds_history(value: Any, depth: int = 1) -> bool:
    """Whether a (nested) list or tuple holds an array that is being differentiated: one with
    recorded history while recording, or with forward-mode tangents."""
    too_deep(depth)
    for item in value:
        if isinstance(item, ndarray):
            if (item._node is not None and STATE.recording) or getattr(item, "_tangents", None):
                return True
        elif isinstance(item, (list, tuple)) and holds_history(item, depth + 1):
            return True
    return False


def _raw_nested(value: Any, depth: int = 0) -> Any:
    """A (nested) list's ndgrad arrays replaced by their data."""
    if isinstance(value, ndarray):
        return value._data
    if isinstance(value, (list, tuple)) and any(isinstance(v, (ndarray, list, tuple))
                                                for v in value):
        too_deep(depth + 1)
        return [_raw_nested(v, depth + 1) for v in value]
    return value


_Array = TypeVar("_Array", bound="ndarray")      # ndarray or a subclass (nd.NDArray)


def _wrap(data: Any, cls: type[_Array], node: Node | None = None, index: int = 0) -> _Array:
    """A new array of class ``cls`` around raw data (NumPy scalars become 0-d arrays)."""
    if type(data) is not numpy.ndarray:
        data = numpy.asarray(data)
    array = object.__new__(cls)
    array._data = data
    array._node = node
    array._index = index
    array._sink = array._cut = None
    array._version = [0]
    return array


class _ArrayType(type):
    """Lets ``ndgrad.ndarray`` also stand for MXNet's ``mxnet.ndarray`` module.

    MXNet 1.x code writes ``from mxnet import ndarray as nd`` and then ``nd.array(...)``; in
    ndgrad ``ndarray`` is the array type (API.md), so names the class lacks are looked up in
    the module ``ndgrad.nd`` registers here (MODULE_FALLBACK). Only the class is affected:
    arrays themselves gain no attributes.
    """

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("_") or not MODULE_FALLBACK:
            raise AttributeError(name)
        try:
            return getattr(MODULE_FALLBACK[0], name)
        except AttributeError:
            raise AttributeError(f"type object {cls.__name__!r} has no attribute {name!r}") \
                from None


MODULE_FALLBACK: list[Any] = []     # [ndgrad.nd], set by ndgrad.nd when it is imported


class ndarray(metaclass=_ArrayType):
    """A NumPy array that autograd can differentiate: ``ndgrad.np.ndarray``.

    Create arrays with ``ndgrad.np.array`` and friends. Attributes follow NumPy (``shape``,
    ``dtype``, ``T`` ...) and MXNet (``grad``, ``attach_grad``, ``backward``, ``detach``,
    ``asnumpy``, ``ctx``).
    """

    # _cut: where detach() or pause() cut this array's history (for messages, pictures and
    # explanations), None for most arrays. _tangents (forward mode: {level: tangent array})
    # is set only on arrays that have one, and read with getattr(..., None).
    __slots__ = (
        "__weakref__",
        "_cut",
        "_data",
        "_index",
        "_node",
        "_sink",
        "_tangents",
        "_version",
    )
    # The slots' types (annotations only: a value here would clash with the slot).
    _cut: Cut | None
    _data: numpy.ndarray
    _index: int
    _node: Node | None
    _sink: GradSink | None
    _tangents: dict[int, ndarray] | None
    _version: list[Any]
    # Bound by _methods once every op is declared (it sits above this module), declared here
    # so that type checkers know them: the operators, NumPy's methods and MXNet's. The
    # operators are class attributes with their self operand: Python looks them up on the class.
    __add__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __radd__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __round__: ClassVar[Callable[..., ndarray]]
    __sub__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __rsub__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __mul__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __rmul__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __truediv__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __rtruediv__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __pow__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __rpow__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __floordiv__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __rfloordiv__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __mod__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __rmod__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __matmul__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __rmatmul__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __lt__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __le__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __gt__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __ge__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __and__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __rand__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __or__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __ror__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __xor__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __rxor__: ClassVar[Callable[[ndarray, Any], ndarray]]
    __invert__: ClassVar[Callable[[ndarray], ndarray]]
    __neg__: ClassVar[Callable[[ndarray], ndarray]]
    __pos__: ClassVar[Callable[[ndarray], ndarray]]
    __abs__: ClassVar[Callable[[ndarray], ndarray]]
    __getitem__: ClassVar[Callable[[ndarray, Any], ndarray]]
    sum: Callable[..., ndarray]
    mean: Callable[..., ndarray]
    prod: Callable[..., ndarray]
    max: Callable[..., ndarray]
    min: Callable[..., ndarray]
    argmax: Callable[..., ndarray]
    argmin: Callable[..., ndarray]
    std: Callable[..., ndarray]
    var: Callable[..., ndarray]
    cumsum: Callable[..., ndarray]
    clip: Callable[..., ndarray]
    dot: Callable[..., ndarray]
    flatten: Callable[..., ndarray]
    astype: Callable[..., ndarray]
    copy: Callable[..., ndarray]
    sort: Callable[..., ndarray]
    squeeze: Callable[..., ndarray]
    swapaxes: Callable[..., ndarray]
    ravel: Callable[..., ndarray]
    repeat: Callable[..., ndarray]
    take: Callable[..., ndarray]
    diagonal: Callable[..., ndarray]
    trace: Callable[..., ndarray]
    nonzero: Callable[..., tuple[ndarray, ...]]
    argpartition: Callable[..., ndarray]
    searchsorted: Callable[..., ndarray]
    cumprod: Callable[..., ndarray]
    all: Callable[..., ndarray]
    any: Callable[..., ndarray]
    reshape: Callable[..., ndarray]
    transpose: Callable[..., ndarray]
    backward: Callable[..., None]
    conj: Callable[..., ndarray]
    conjugate: Callable[..., ndarray]
    real: Any                           # properties: np.real(x), np.imag(x)
    imag: Any
    at: Any                             # x.at[index].set(values): ops.shape.IndexUpdates
    __hash__ = None  # type: ignore[assignment]  # mutable and compared elementwise, as NumPy
    # Make NumPy defer to ndgrad in mixed operations such as numpy_array + x.
    __array_priority__ = 100

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("create arrays with ndgrad.np.array(...), np.zeros(...) and friends")

    # -- attributes -------------------------------------------------------------------------
    shape = property(lambda self: self._data.shape, doc="Tuple of dimensions.")
    dtype = property(lambda self: self._data.dtype, doc="The element type.")
    ndim = property(lambda self: self._data.ndim, doc="Number of dimensions.")
    size = property(lambda self: self._data.size, doc="Number of elements.")
    device = property(lambda self: _device.cpu(), doc="Where the data lives: always cpu(0).")
    ctx = context = device

    @property
    def T(self) -> ndarray:
        """The transposed array, as ``transpose()``."""
        return self.transpose()

    @property
    def grad(self) -> ndarray | None:
        """The gradient buffer that ``attach_grad`` created (None before, or for "null")."""
        return self._sink.grad if self._sink is not None else None

    # -- autograd ---------------------------------------------------------------------------
    def attach_grad(self, grad_req: str = "write", stype: Any = None) -> None:
        """Make this array a variable: allocate ``x.grad`` (zeros) that backward fills.

        ``grad_req`` is "write" (each backward overwrites), "add" (backward accumulates) or
        "null" (no gradient). Calling it again resets ``x.grad`` to zeros. Differs from MXNet:
        on a recorded intermediate it keeps the history, so gradients also reach the inputs
        (API.md semantic 8); use ``detach()`` to cut. Integer and bool arrays are refused.
        """
        if grad_req not in ("write", "add", "null"):
            raise ValueError(f"grad_req must be 'write', 'add' or 'null', not {grad_req!r}")
        if stype not in (None, "default"):
            raise ValueError(f"ndgrad stores dense arrays only; stype={stype!r} is not "
                             "supported")
        check_differentiable(self.dtype, "attach_grad(): the array")
        if self._index != 0:
            raise NotImplementedError("attach_grad() on one output of a multi-output op; "
                                      "take a copy first (y = y.copy())")
        if grad_req == "null":
            if self._node is not None and self._node.primitive is None:
                self._node = None
            elif self._node is not None:
                self._node.sink = None
            self._sink = None
            return
        # numpy.zeros, not zeros_like: its pages are only made resident when first written
        buffer = _wrap(numpy.zeros(self.shape, self.dtype), type(self))
        if self._sink is not None:
            self._sink.grad = buffer
            self._sink.grad_req = grad_req
        else:
            self._sink = GradSink(buffer, grad_req)
        if self._node is None:
            self._node = Node.leaf(self, self._sink)
            cut = self._cut
            if cut is not None:            # a variable made from a detached value
                CUTS[self._node] = {"self": cut}
        else:
            self._node.sink = self._sink

    def register_hook(self, hook: Any) -> HookHandle:
        """Call ``hook(gradient)`` when backward has this array's whole gradient; a returned
        array (of the same shape) replaces the gradient that flows on (into ``x.grad`` and to
        the inputs), None keeps it. The array must be in a recorded graph (a variable, or
        computed inside ``record()``). Returns a handle whose ``remove()`` unregisters it."""
        if not callable(hook):
            raise TypeError(f"register_hook needs a callable, not {type(hook).__name__}")
        if self._node is None:
            raise ValueError(
                f"register_hook on an array of shape {self.shape} with no recorded history: "
                "call attach_grad() first, or register it on a result computed inside "
                "autograd.record()")
        node = self._node
        if node.hooks is None:
            node.hooks = {}
        return HookHandle(node.hooks.setdefault(self._index, {}), hook)

    def detach(self) -> ndarray:
        """The same data with no history: gradients do not flow through the result."""
        array = _wrap(self._data, type(self))
        share_version(array, self)
        if self._node is not None:
            array._cut = Cut(self._node, self._index, "detach()")
        return array

    # -- conversion -------------------------------------------------------------------------
    def asnumpy(self) -> numpy.ndarray:
        """A NumPy copy of the data. Inside ``autograd.record()``, on an array being
        differentiated, it raises GradientLostError: use ``x.detach().asnumpy()``."""
        self._check_leaving("asnumpy()")
        return self._data.copy()

    def item(self, *args: Any) -> Any:
        """The element as a Python number: the one element of an array of any shape, or the
        one at a flat or an nd index, as NumPy (refused while differentiating, as asnumpy)."""
        self._check_leaving("item()")
        return self._data.item(*args)

    def tolist(self) -> Any:
        """The data as nested Python lists (refused while differentiating, as asnumpy)."""
        self._check_leaving("tolist()")
        return self._data.tolist()

    def _check_leaving(self, how: str) -> None:
        """Refuse to hand out the value of an array being differentiated: NumPy data or a
        Python number carries no history, so a gradient through it would silently be zero.
        (PyTorch refuses .numpy() likewise; JAX refuses float() of a traced value.)"""
        if (STATE.recording and self._node is not None) or (
                STATE.forward_level and getattr(self, "_tangents", None)):
            raise GradientLostError(
                f"{how} on an array of shape {self.shape} that is being differentiated "
                "gives its value without its history, and any gradient through that value "
                "would be lost. Keep computing with ndgrad operations (for control flow, "
                "compare arrays: 'if x > 0:'), or detach() it to use the value as a constant "
                "(x.detach().asnumpy(), float(x.detach()))")

    def wait_to_read(self) -> None:
        """MXNet waits here for asynchronous work; ndgrad computes eagerly, so it returns."""

    def to_device(self, device: Any) -> ndarray:
        """A copy on ``device``; only ``cpu(0)`` exists (any other raises DeviceError)."""
        _device.require_cpu(device)
        return self.copy()

    as_in_context = as_in_ctx = copyto_device = to_device

    def __array__(self, dtype: Any = None, copy: Any = None) -> numpy.ndarray:
        self._check_leaving("numpy.asarray(x)")
        data = self._data if dtype is None else self._data.astype(dtype, copy=False)
        return data.copy() if copy else data

    def __dlpack__(self, *args: Any, **kwargs: Any) -> Any:
        self._check_leaving("__dlpack__()")
        return self._data.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self) -> Any:
        return self._data.__dlpack_device__()

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[ndarray]:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        for index in range(len(self._data)):
            yield self[index]

    def __bool__(self) -> bool:
        return bool(self._data)

    def __float__(self) -> float:
        return float(self._one_element("float(x)"))

    def __int__(self) -> int:
        return int(self._one_element("int(x)"))

    def _one_element(self, how: str) -> numpy.ndarray:
        """The data as a 0-d array, for ``how`` (float(), int(), complex()) to convert: any
        array of one element converts, whatever its shape ((1,), (1, 1) ...), as in MXNet
        (NumPy 2 takes 0-d arrays only). Refused while differentiating, as asnumpy."""
        if self.size != 1:
            raise TypeError(f"{how}: only an array of one element converts to a Python "
                            f"scalar, and this one has shape {self.shape}; pick one element "
                            "(x[0]) or reduce the array (x.sum()) first")
        self._check_leaving(how)
        return self._data.reshape(())

    def __index__(self) -> int:
        if self.dtype.kind not in "iub":
            raise TypeError(f"only integer arrays can be used as an index, not {self.dtype}")
        return int(self._data)

    def __complex__(self) -> complex:
        return complex(self._one_element("complex(x)"))

    # -- printing ---------------------------------------------------------------------------
    def __repr__(self) -> str:
        """The repr MXNet 1.9.1 prints: NumPy 1.x's repr with the dtype named unless it is
        float32 (whatever the default dtype) or bool, so float64 and int64 arrays say
        ``dtype=``, where NumPy leaves them unnamed. (Built here rather than edited from
        NumPy's, which since NumPy 2.2 also names the shape of a summarised array.)"""
        data = self._data
        body = numpy.array2string(data, separator=", ", prefix="array(", suffix=")")
        if data.size == 0 and data.shape != (0,):
            body += f", shape={data.shape}"
        if data.dtype == numpy.float32 or data.dtype == numpy.bool_ and data.size:
            return f"array({body})"
        if data.dtype in _UNNAMED_BY_NUMPY and data.size:
            return f"array({body}, dtype={data.dtype})"       # MXNet appends it as it is
        # NumPy's placement: on a line of its own where it would overflow the last one
        text, dtype = f"array({body},", f"dtype={data.dtype})"
        last_line = len(text) - (text.rfind("\n") + 1)
        fits = last_line + len(dtype) + 1 <= numpy.get_printoptions()["linewidth"]
        return text + (" " if fits else "\n" + " " * len("array(")) + dtype

    def __str__(self) -> str:
        return str(self._data)

    def __format__(self, spec: str) -> str:
        """As MXNet: a 0-d array formats its element as a Python number (``f"{x:.3f}"``;
        with no spec that is the number's full repr, 0.10000000149011612 for float32 0.1);
        a larger array formats as ``str(x)`` and takes no spec."""
        if self.ndim == 0:
            return format(self._data.item(), spec)
        if spec:
            raise TypeError(f"cannot format an array of shape {self.shape} with the format "
                            f"spec {spec!r}: only a 0-d array takes one; format its elements "
                            "(x[0], x.item()) or use numpy.array2string on x.asnumpy()")
        return str(self)

    # -- in-place changes (API.md semantic 9) -----------------------------------------------
    def _check_writable(self, what: str, value: Any = None) -> None:
        if not STATE.recording:
            return
        if self._node is not None:
            role = ("a variable (attach_grad)" if self._node.primitive is None
                    else f"the output of '{self._node.name}'")
            raise InPlaceModifiedError(
                f"{what} on an array of shape {self.shape} that is part of the recorded graph "
                f"({role}) would make its gradients wrong; write a new array instead "
                "(y = x + 1, np.where(mask, v, x), x.at[index].set(values)) or modify it "
                "outside autograd.record()")
        if isinstance(value, ndarray) and value._node is not None:
            raise InPlaceModifiedError(
                f"{what} would copy a recorded array of shape {value.shape} into an array "
                "outside the graph, and its gradient would be lost; build the result with "
                "ndgrad operations (np.where, concatenation) instead")

    def __setitem__(self, key: Any, value: Any) -> None:
        self._assign(key, value, "item assignment")

    def _assign(self, key: Any, value: Any, what: str) -> None:
        if self._write_has_history(value):
            self._rebase(what, lambda old: old.at[key].set(value), snapshot=False)
            return
        prepare_write(self)
        self._data[_raw_index(key)] = value._data if isinstance(value, ndarray) else value
        self._version[0] += 1

    def _inplace(self, ufunc: numpy.ufunc, other: Any, what: str) -> Self:
        if self._write_has_history(other):
            self._rebase(f"in-place '{what}'",
                         lambda old: REGISTRY.by_numpy[ufunc](old, other), snapshot=True)
            return self
        other = other._data if isinstance(other, ndarray) else _as_inplace_operand(other)
        prepare_write(self)
        ufunc(self._data, other, out=self._data, casting="same_kind")
        self._version[0] += 1
        return self

    def _write_has_history(self, value: Any) -> bool:
        """Whether writing ``value`` into this array changes a recorded value (or one carrying
        forward-mode tangents), so that the write itself must be recorded."""
        if STATE.recording and (self._node is not None or
                                (isinstance(value, ndarray) and value._node is not None)):
            return True
        return bool(STATE.forward_level) and bool(
            getattr(self, "_tangents", None) or
            (isinstance(value, ndarray) and getattr(value, "_tangents", None)))

    def _rebase(self, what: str, compute: Any, snapshot: bool) -> None:
        """A recorded write, as PyTorch's: ``compute(old)`` gives the new value out of place
        (recorded, with tangents), it is copied into this array's buffer, and the array takes
        its history. ``old`` is a copy when ``snapshot`` is set (arithmetic: ``y *= x`` needs
        the old y for x's gradient), else the buffer itself (an indexed write needs only
        shapes). Other saved values that the write overwrites are caught at backward by the
        version counter; arrays sharing the buffer (views, detach()) keep a history that no
        longer matches their data, so their counter is marked stale and using them in
        recorded work raises (see check_current)."""
        node = self._node
        if node is not None and node.primitive is None:
            raise InPlaceModifiedError(
                f"{what} on a variable (attach_grad) of shape {self.shape} while recording "
                "would make its gradient wrong; write into a new array instead "
                "(y = x.at[index].set(values), y = x + 1) or modify it outside "
                "autograd.record()")
        if self.dtype.kind not in "fc":
            raise InPlaceModifiedError(
                f"{what} would write a value that carries a gradient into an array of dtype "
                f"{self.dtype}, and the gradient would be lost; write into a float array")
        if snapshot:
            old = _wrap(self._data.copy(), type(self), node, self._index)
        else:
            old = _wrap(self._data, type(self), node, self._index)
            old._version = self._version
        tangents = getattr(self, "_tangents", None)
        if tangents:
            old._tangents = tangents
        self._take(compute(old))

    def _take(self, new: ndarray) -> None:
        """Become ``new``: its data copied into this array's buffer (cast to its dtype), its
        history and tangents. Arrays sharing the buffer are left with a stale counter."""
        if new.dtype != self.dtype:
            new = new.astype(self.dtype)
        prepare_write(self)
        self._data[...] = new._data
        shared = self._version
        shared[0] += 1
        shared.append(STALE)
        self._version = [shared[0]] + [NUMPY_MEMORY] * (NUMPY_MEMORY in shared)
        self._node, self._index = new._node, new._index
        if getattr(self, "_tangents", None) or getattr(new, "_tangents", None):
            self._tangents = getattr(new, "_tangents", None)

    def __iadd__(self, other: Any) -> Self:
        return self._inplace(numpy.add, other, "+=")

    def __isub__(self, other: Any) -> Self:
        return self._inplace(numpy.subtract, other, "-=")

    def __imul__(self, other: Any) -> Self:
        return self._inplace(numpy.multiply, other, "*=")

    def __itruediv__(self, other: Any) -> Self:
        return self._inplace(numpy.true_divide, other, "/=")

    def __ipow__(self, other: Any) -> Self:
        return self._inplace(numpy.power, other, "**=")

    def __ifloordiv__(self, other: Any) -> Self:
        return self._inplace(numpy.floor_divide, other, "//=")

    def __imod__(self, other: Any) -> Self:
        return self._inplace(numpy.remainder, other, "%=")

    # -- NumPy dispatch ---------------------------------------------------------------------
    def __array_ufunc__(self, ufunc: numpy.ufunc, method: str, *inputs: Any,
                        **kwargs: Any) -> Any:
        function = REGISTRY.by_numpy.get(ufunc)
        if function is None or method != "__call__":
            label = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
            raise TypeError(_unsupported(f"numpy.{label}"))
        out = kwargs.pop("out", None)
        dtype = kwargs.pop("dtype", None)
        if kwargs:
            raise TypeError(f"numpy.{ufunc.__name__} on ndgrad arrays accepts out= and dtype= "
                            f"only (got {sorted(kwargs)}); call ndgrad.np.{ufunc.__name__}")
        if dtype is not None:   # NumPy computes in the requested dtype
            inputs = tuple(x.astype(dtype) if isinstance(x, ndarray) else x for x in inputs)
        result = function(*inputs)
        if out is None:
            return result
        if len(out) != 1:
            raise TypeError(f"numpy.{ufunc.__name__} has one output, not {len(out)}")
        return write_out(result, out[0], f"numpy.{ufunc.__name__}")

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        function = REGISTRY.by_numpy.get(func)
        if function is None:
            module = getattr(func, "__module__", "numpy") or "numpy"
            raise TypeError(_unsupported(f"{module}.{func.__name__}"))
        return function(*args, **kwargs)


def write_out(result: ndarray, out: Any, name: str, where: Any = True) -> Any:
    """NumPy's ``out=``: ``result`` written into ``out`` (an ndgrad or NumPy array of the
    result's shape), which is returned. ``where`` (a ufunc's mask, broadcast to the result's
    shape) limits the write to the entries where it is True.

    The in-place rules of API.md semantic 9 hold: while recording, a result that carries a
    gradient cannot be written into an array (its gradient would be lost), and an array in the
    graph cannot be overwritten. Outside ``autograd.record()`` it works as in NumPy.
    """
    target = out if isinstance(out, ndarray) else None
    if target is None:
        if not isinstance(out, numpy.ndarray):
            raise TypeError(f"{name}: out must be an ndgrad or NumPy array, not "
                            f"{type(out).__name__}")
        target = _wrap(out, ndarray)
    if target.shape != result.shape:
        raise ValueError(f"{name}: out has shape {target.shape} but the result has shape "
                         f"{result.shape}")
    if not numpy.can_cast(result.dtype, target.dtype, "same_kind"):
        raise TypeError(f"{name}: cannot write a {result.dtype} result into an out array of "
                        f"dtype {target.dtype} (NumPy's same_kind casting rule)")
    if where is True:
        target._assign(Ellipsis, result, f"{name}(out=...)")
        return out
    mask = numpy.asarray(raw(where))
    if mask.dtype != bool:
        raise TypeError(f"{name}: where= must be a boolean mask, not {mask.dtype}")
    try:
        mask = numpy.broadcast_to(mask, result.shape)
    except ValueError:
        raise ValueError(f"{name}: where= of shape {mask.shape} does not broadcast to the "
                         f"result's shape {result.shape}") from None
    target._assign(mask, result[mask], f"{name}(out=..., where=...)")
    return out


def _unsupported(label: str) -> str:
    return (f"{label} is not implemented for ndgrad arrays, and running it on the raw data "
            "would silently drop the gradient; use the ndgrad.np function of that name if it "
            "exists, or call .asnumpy() first to compute outside autograd")


def _as_inplace_operand(value: Any) -> Any:
    return to_numpy(value) if isinstance(value, (list, tuple)) else value


def _raw_index(key: Any) -> Any:
    """An index with ndgrad arrays replaced by their data (integer or boolean arrays, whole
    floats made integers by integral_index)."""
    if isinstance(key, tuple):
        return tuple(integral_index(k._data if isinstance(k, ndarray) else k) for k in key)
    return integral_index(key._data if isinstance(key, ndarray) else key)


# beyond this no float index can be in bounds, and casting it to intp would overflow
_LARGEST_FLOAT_INDEX = 2.0 ** 62


def integral_index(part: Any) -> Any:
    """One part of an index, with a float array of whole numbers made an intp array: MXNet
    takes float arrays as indices (its labels are float32, as in ``y_hat[range(n), y]``).
    A fraction, NaN or infinity is an IndexError, where MXNet would truncate silently."""
    if not isinstance(part, numpy.ndarray) or part.dtype.kind != "f":
        return part
    whole = numpy.isfinite(part) & (numpy.trunc(part) == part)
    if not whole.all():
        raise IndexError(f"a float array used as an index must hold whole numbers, but this "
                         f"one holds {part[~whole].flat[0].item()!r}; round it or convert it "
                         "first (index.astype('int64'))")
    largest = float(numpy.abs(part).max()) if part.size else 0.0
    if largest >= _LARGEST_FLOAT_INDEX:
        raise IndexError(f"index {largest!r} is out of bounds for any array")
    return part.astype(numpy.intp)
