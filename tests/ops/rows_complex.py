"""Test-table rows for complex numbers: the holomorphic functions, the parts of a complex
number (real, imag, conj, abs, angle, which are not holomorphic), the linear and bilinear
ops on complex operands, and real functions computed through complex values.

Every check of the table applies (see specs.py), with complex directions: finite differences
perturb complex operands in the real and imaginary directions, so the convention of
docs/autograd.md (the gradient of a real f of z = x + iy is df/dx - i df/dy, as JAX and HIPS
autograd) is what is checked, against the pairing Re sum(a * b). Operands stay away from 0
and from both axes, where the branch cuts of log, sqrt and the arc functions lie."""

from __future__ import annotations

import numpy

from ndgrad import np

from .table import AXES, OpSpec, complex_off_axes, normal, per_operand, signature_shapes


def unary(name, fn, reference, primitives=None, **kwargs):
    return OpSpec(f"{name}-complex", f"np.{name}", fn, reference, primitives or (name,),
                  sample=complex_off_axes, **kwargs)


HOLOMORPHIC = ("sin", "cos", "tan", "sinh", "cosh", "tanh", "exp", "exp2", "expm1", "log",
               "log2", "log10", "log1p", "sqrt", "square", "reciprocal", "negative",
               "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh")
PARTS = ("real", "imag", "conjugate", "absolute", "angle")


# the rows of holomorphic functions, whose complex Jacobians jacfwd and jacrev compute
HOLOMORPHIC_ROWS = {f"{name}-complex" for name in HOLOMORPHIC + (
    "add", "subtract", "multiply", "divide", "power", "sum", "prod", "cumprod", "mean",
    "matmul", "transpose", "getitem", "concatenate", "where")} | {
    # the complex-linear transforms of rows_fft.py (irfft and hfft drop imaginary parts)
    "fft.fft", "fft.ifft", "fft.fftn", "fft.ifftn", "fft.fft2", "fft.ifft2", "fft.fftshift"}


def rotation(x):
    """A real function computed through complex values: Re(x e^(i x))."""
    return np.real(x * np.exp(1j * x))


ROWS: tuple[OpSpec, ...] = (
    *(unary(name, getattr(np, name), getattr(numpy, name)) for name in HOLOMORPHIC),
    *(unary(name, getattr(np, name), getattr(numpy, name)) for name in PARTS),
    unary("angle-deg", lambda z: np.angle(z, deg=True), lambda z: numpy.angle(z, deg=True),
          ("angle",)),
    *(OpSpec(f"{name}-complex", f"np.{name}", getattr(np, name), getattr(numpy, name), (name,),
             nargs=2, broadcast=True, sample=complex_off_axes)
      for name in ("add", "subtract", "multiply", "divide", "power")),
    # a real operand meets a complex one: its gradient is the real part
    OpSpec("multiply-real-by-complex", "np.multiply", np.multiply, numpy.multiply,
           ("multiply",), nargs=2, broadcast=True,
           sample=per_operand(normal, complex_off_axes)),
    OpSpec("real-through-complex", "np.real", rotation,
           lambda x: numpy.real(x * numpy.exp(1j * x)), ("multiply", "exp", "real")),
    # the Euclidean (Frobenius) norm of complex values: sqrt(sum |z|^2), real
    OpSpec("linalg.norm-complex", "np.linalg.norm", np.linalg.norm, numpy.linalg.norm,
           ("norm",), sample=complex_off_axes,
           variants=({}, {"axis": -1}, {"axis": 0, "keepdims": True})),
    OpSpec("sum-complex", "np.sum", np.sum, numpy.sum, ("sum",), sample=complex_off_axes,
           variants=AXES[:3]),
    OpSpec("prod-complex", "np.prod", np.prod, numpy.prod, ("prod",), sample=complex_off_axes,
           variants=({}, {"axis": -1})),
    OpSpec("cumprod-complex", "np.cumprod", lambda z: np.cumprod(z, axis=-1),
           lambda z: numpy.cumprod(z, axis=-1), ("cumprod",), sample=complex_off_axes,
           ndim=(1, 3)),
    OpSpec("mean-complex", "np.mean", np.mean, numpy.mean, ("sum",), sample=complex_off_axes),
    OpSpec("var-complex", "np.var", np.var, numpy.var, ("sum",), sample=complex_off_axes),
    OpSpec("matmul-complex", "np.matmul", np.matmul, numpy.matmul, ("matmul",), nargs=2,
           sample=complex_off_axes, shapes=lambda v: _matmul_shapes()),
    OpSpec("transpose-complex", "np.transpose", np.transpose, numpy.transpose,
           ("transpose",), sample=complex_off_axes),
    OpSpec("getitem-complex", "ndarray.__getitem__", lambda z: z[..., ::-1],
           lambda z: z[..., ::-1], ("getitem",), sample=complex_off_axes, ndim=(1, 3)),
    OpSpec("concatenate-complex", "np.concatenate", lambda a, b: np.concatenate([a, b]),
           lambda a, b: numpy.concatenate([a, b]), ("concatenate",), nargs=2,
           sample=complex_off_axes, ndim=(1, 3)),
    OpSpec("where-complex", "np.where", lambda a, b: np.where(np.real(a) > 0, a, b),
           lambda a, b: numpy.where(numpy.real(a) > 0, a, b), ("where",), nargs=2,
           sample=complex_off_axes),
    # a real operand is returned as it is (the complex case is discontinuous in its dtype)
    OpSpec("real_if_close", "np.real_if_close", np.real_if_close, numpy.real_if_close, ()),
)


def _matmul_shapes():
    return signature_shapes("(m,n),(n,p)->(m,p)", max_batch_dims=1)


NOT_DIFFERENTIABLE: dict[str, set[str]] = {
    "boolean results": {"np.iscomplex", "np.isreal", "np.iscomplexobj", "np.isrealobj"},
}
