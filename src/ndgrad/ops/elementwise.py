"""Elementwise primitives: arithmetic, powers, exponentials, trigonometry, comparisons.

Each entry reads as the math: ``vjp`` maps the output's cotangent ``g`` to the operand's.
Rules return gradients in the broadcast shape; the engine sums them down (fit_gradient) and
casts them to the operand's dtype. Where a derivative does not exist at a point (a kink, a
jump, a NaN operand), the rule's value there is a documented choice.
"""

from __future__ import annotations

import math

import numpy

from .._axes import broadcast_shapes
from .._ndarray import raw
from .._primitive import ANSWER, ELEMENTWISE, LINEAR, NOTHING, OTHER_INPUTS, Primitive, primitive
from .._publish import public
from .._shaping import real
from .sorting import nonzero

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_RADIANS_PER_DEGREE = math.pi / 180.0
_PI_SQUARED = math.pi ** 2


def _tie_share(g, x1, x2):
    """The part of g that goes to x1 in maximum(x1, x2): all where x1 wins, half on a tie."""
    return where(x1 > x2, g, where(x1 == x2, 0.5 * g, 0))


def _power_slope(x1, x2, power):
    """d x1^x2 / d x1 = x2 x1^(x2-1) for ``power`` or ``float_power``. At x1 = x2 = 0 the
    formula is 0 * inf; x1^0 is constant there, so the slope is 0 (0 * 0^0)."""
    if isinstance(x2, (int, float)) and x2 != 0:        # a Python exponent: no mask needed
        return 2 * x1 if x2 == 2 else x2 * power(x1, x2 - 1)   # x**2, the commonest, as 2 x
    both_zero = (x2 == 0) & (x1 == 0)
    return x2 * power(x1, where(both_zero, 1, x2) - 1)


def _exponent_slope(g, ans, x1, x2):
    """d b^y = b^y log b dy; for real operands taken as 0 where b <= 0, where the real log is
    undefined (a complex base has its principal log, 0 at b = 0)."""
    if numpy.result_type(raw(x1), raw(x2)).kind == "c":
        return g * ans * log(where(x1 == 0, 1, x1))
    return g * ans * log(where(x1 > 0, x1, 1))


def _abs_slope(g, ans, x):
    """sign(x), the subgradient 0 at 0; for complex z, d|z| = Re(conj(z) dz) / |z|, so the
    gradient is g conj(z) / |z| (0 at 0), and its real part is the tangent (fit_tangent)."""
    if x.dtype.kind == "c":
        magnitude = absolute(x)
        return g * (conjugate(x) / where(magnitude == 0, 1, magnitude))
    return g * sign(x)


def _nonzero_or_one(x):
    """x with its zeros replaced by 1, to divide by where the quotient's zeros are chosen."""
    return where(x == 0, 1, x)


def _combine(first, second):
    """The sum of two tangent contributions, either of which may be None (zero)."""
    if first is None or second is None:
        return second if first is None else first
    return first + second


# -- arithmetic ---------------------------------------------------------------------------------
add = primitive("add", numpy.add, public="np", jvp=ELEMENTWISE, complex=True, saves=NOTHING,
                vjp=(lambda g, ans, x1, x2: g, lambda g, ans, x1, x2: g))
subtract = primitive("subtract", numpy.subtract, public="np", jvp=ELEMENTWISE, complex=True, saves=NOTHING,
                     vjp=(lambda g, ans, x1, x2: g, lambda g, ans, x1, x2: -g))
multiply = primitive("multiply", numpy.multiply, public="np", jvp=ELEMENTWISE, complex=True, saves=OTHER_INPUTS,
                     vjp=(lambda g, ans, x1, x2: g * x2, lambda g, ans, x1, x2: g * x1))
divide = primitive("divide", numpy.true_divide, public="np", aliases=("true_divide",),
                   jvp=ELEMENTWISE, complex=True, numpy=(numpy.true_divide, numpy.divide),
                   vjp=(lambda g, ans, x1, x2: g / x2,
                        lambda g, ans, x1, x2: -(g / x2) * (x1 / x2)))


def _power(x1, x2):
    """numpy.power, refusing an integer power that overflows its dtype (NumPy wraps it round
    silently: 9 ** 40 in int64 is negative)."""
    out = numpy.power(x1, x2)
    if out.dtype.kind in "iu" and out.size:
        magnitude = numpy.power(numpy.abs(numpy.asarray(x1, dtype=numpy.float64)),
                                numpy.asarray(x2, dtype=numpy.float64))
        if numpy.max(magnitude) > numpy.iinfo(out.dtype).max:
            raise OverflowError(f"integer power overflows {out.dtype} (NumPy would wrap it "
                                "round silently); compute in float: x.astype('float64') ** n")
    return out


power: Primitive = primitive("power", _power, public="np", jvp=ELEMENTWISE, complex=True,
                             numpy=numpy.power, saves={"inputs", "answer"},
                             vjp=(lambda g, ans, x1, x2: g * _power_slope(x1, x2, power),
                                  _exponent_slope))
float_power: Primitive = primitive(
    "float_power", numpy.float_power, public="np", jvp=ELEMENTWISE, complex=True, saves={"inputs", "answer"},
    vjp=(lambda g, ans, x1, x2: g * _power_slope(x1, x2, float_power), _exponent_slope),
    doc="ndgrad's differentiable numpy.float_power: computed in float64 (or complex128), as "
        "NumPy; the gradients are cast back to each operand's dtype. The exponent's gradient "
        "is taken as 0 where the base is <= 0 (no real logarithm).")
negative = primitive("negative", numpy.negative, public="np", jvp=ELEMENTWISE, complex=True,
                     saves=NOTHING, vjp=lambda g, ans, x: -g)
positive = primitive("positive", numpy.positive, public="np", jvp=ELEMENTWISE, complex=True,
                     saves=NOTHING, vjp=lambda g, ans, x: g)
reciprocal = primitive(
    "reciprocal", numpy.reciprocal, public="np", jvp=ELEMENTWISE, complex=True, saves=ANSWER,
    vjp=lambda g, ans, x: -g * ans * ans,
    doc="ndgrad's differentiable numpy.reciprocal: 1/x, with gradient -1/x^2 (inf at 0). On "
        "integers it is NumPy's integer reciprocal, which carries no gradient.")
# -- complex numbers (docs/autograd.md: the gradient of a real f of z = x + iy is
# df/dx - i df/dy, as in JAX and HIPS autograd; np.real is declared with the core) ---------------
conjugate: Primitive = primitive("conjugate", numpy.conjugate, public="np", aliases=("conj",),
                                 saves=NOTHING, jvp=LINEAR,
                                 vjp=lambda g, ans, x: conjugate(g))
# Im z = Re(-i z): its gradient is -i g (the real part of which, 0, for a real operand)
imag = primitive("imag", numpy.imag, public="np", saves=NOTHING, jvp=LINEAR,
                 vjp=lambda g, ans, x: g * -1j)


def _angle_slope(g, ans, z, deg):
    """d arg z = Im(conj(z) dz) / |z|^2: the gradient -i g conj(z) / |z|^2 (0 at z = 0 and
    for real z, where the angle is piecewise constant)."""
    squared = real(z * conjugate(z))
    slope = conjugate(z) * -1j / where(squared == 0, 1, squared)
    return g * (slope * (180 / math.pi) if deg else slope)


angle_: Primitive = primitive("angle", lambda z, deg: numpy.angle(z, deg=deg), jvp=ELEMENTWISE,
                              complex=True, vjp=_angle_slope)


@public(numpy=numpy.angle)
def angle(z, deg=False):
    """ndgrad's differentiable numpy.angle: the argument of z, in radians (degrees with
    ``deg=True``). Its gradient, -i conj(z) / |z|^2 in the complex convention of
    docs/autograd.md, is 0 at z = 0; for real z it is 0 (the angle jumps between 0 and pi)."""
    return angle_(z, deg=bool(deg))


iscomplex = primitive("iscomplex", numpy.iscomplex, public="np", nondiff=True)
isreal = primitive("isreal", numpy.isreal, public="np", nondiff=True)


@public(numpy=numpy.iscomplexobj)
def iscomplexobj(x):
    """numpy.iscomplexobj: whether x has a complex dtype (a Python bool)."""
    return numpy.iscomplexobj(raw(x))


@public(numpy=numpy.isrealobj)
def isrealobj(x):
    """numpy.isrealobj: whether x has no complex dtype (a Python bool)."""
    return numpy.isrealobj(raw(x))


@public(numpy=numpy.real_if_close)
def real_if_close(a, tol=100):
    """numpy.real_if_close: the real part of a complex ``a`` whose imaginary parts are all
    within ``tol`` machine epsilons of 0 (``tol`` > 1), else ``a`` itself; differentiable."""
    data = numpy.asarray(raw(a))
    if data.dtype.kind != "c":
        return a
    limit = tol * numpy.finfo(data.dtype).eps if tol > 1 else tol
    return real(a) if numpy.all(numpy.abs(data.imag) < limit) else a


_SQRT_AT_0 = "at 0 the slope is inf (0 * inf = nan where a gradient of 0 arrives)"


def _zeros(x):
    return int(numpy.count_nonzero(numpy.asarray(x) == 0))


def _ties(x1, x2):
    return int(numpy.count_nonzero(numpy.asarray(x1) == numpy.asarray(x2)))


absolute = primitive("absolute", numpy.absolute, public="np", aliases=("abs",), jvp=ELEMENTWISE, complex=True,
                     vjp=_abs_slope,
                     kinks=lambda ans, x: (_zeros(x), "at 0 the gradient is 0 (a subgradient)"))
fabs = primitive("fabs", numpy.fabs, public="np", jvp=ELEMENTWISE, vjp=_abs_slope,
                 doc="ndgrad's differentiable numpy.fabs: |x| as a float; gradient sign(x), "
                     "0 at 0 (as abs).")
square = primitive("square", numpy.square, public="np", jvp=ELEMENTWISE, complex=True,
                   vjp=lambda g, ans, x: g * 2 * x)
sqrt = primitive("sqrt", numpy.sqrt, public="np", jvp=ELEMENTWISE, complex=True,
                 saves=ANSWER, vjp=lambda g, ans, x: g / (2 * ans),
                 kinks=lambda ans, x: (_zeros(x), _SQRT_AT_0))
cbrt = primitive("cbrt", numpy.cbrt, public="np", jvp=ELEMENTWISE, saves=ANSWER,
                 vjp=lambda g, ans, x: g / (3 * ans * ans),
                 doc="ndgrad's differentiable numpy.cbrt: gradient 1/(3 cbrt(x)^2), inf at 0.")

# -- exponentials and logarithms ----------------------------------------------------------------
exp = primitive("exp", numpy.exp, public="np", jvp=ELEMENTWISE, complex=True,
                saves=ANSWER, vjp=lambda g, ans, x: g * ans)
exp2 = primitive("exp2", numpy.exp2, public="np", jvp=ELEMENTWISE, complex=True,
                 saves=ANSWER, vjp=lambda g, ans, x: g * ans * _LN2)
# exp(x), not ans + 1, keeps the slope's relative precision where expm1(x) is near -1
expm1 = primitive("expm1", numpy.expm1, public="np", jvp=ELEMENTWISE, complex=True,
                  vjp=lambda g, ans, x: g * exp(x))
log = primitive("log", numpy.log, public="np", jvp=ELEMENTWISE, complex=True, vjp=lambda g, ans, x: g / x,
                kinks=lambda ans, x: (_zeros(x), "at 0 the value is -inf and the slope inf"))
log2 = primitive("log2", numpy.log2, public="np", jvp=ELEMENTWISE, complex=True,
                 vjp=lambda g, ans, x: g / (x * _LN2))
log10 = primitive("log10", numpy.log10, public="np", jvp=ELEMENTWISE, complex=True,
                  vjp=lambda g, ans, x: g / (x * _LN10))
log1p = primitive("log1p", numpy.log1p, public="np", jvp=ELEMENTWISE, complex=True,
                  vjp=lambda g, ans, x: g / (1 + x))
# d/dx1 log(e^x1 + e^x2) = e^(x1 - ans): the exponent is <= 0, so it never overflows
logaddexp = primitive(
    "logaddexp", numpy.logaddexp, public="np", jvp=ELEMENTWISE, saves={"inputs", "answer"},
    vjp=(lambda g, ans, x1, x2: g * exp(x1 - ans), lambda g, ans, x1, x2: g * exp(x2 - ans)),
    doc="ndgrad's differentiable numpy.logaddexp: log(exp(x1) + exp(x2)) without overflow; "
        "each operand's gradient exp(xi - result) is a softmax weight, also stable.")
logaddexp2 = primitive(
    "logaddexp2", numpy.logaddexp2, public="np", jvp=ELEMENTWISE, saves={"inputs", "answer"},
    vjp=(lambda g, ans, x1, x2: g * exp2(x1 - ans), lambda g, ans, x1, x2: g * exp2(x2 - ans)),
    doc="ndgrad's differentiable numpy.logaddexp2: log2(2^x1 + 2^x2) without overflow; "
        "gradients 2^(xi - result), also stable.")


# -- trigonometry -------------------------------------------------------------------------------
def _one_minus_square(x):
    """1 - x^2 as (1 - x)(1 + x): exact near |x| = 1, where the arc functions' slopes blow up."""
    return (1 - x) * (1 + x)


sin = primitive("sin", numpy.sin, public="np", jvp=ELEMENTWISE, complex=True, vjp=lambda g, ans, x: g * cos(x))
cos: Primitive = primitive("cos", numpy.cos, public="np", jvp=ELEMENTWISE, complex=True,
                           vjp=lambda g, ans, x: -(g * sin(x)))
tan = primitive("tan", numpy.tan, public="np", jvp=ELEMENTWISE, complex=True,
                saves=ANSWER, vjp=lambda g, ans, x: g * (1 + ans * ans))
arcsin = primitive("arcsin", numpy.arcsin, public="np", jvp=ELEMENTWISE, complex=True,
                   vjp=lambda g, ans, x: g / sqrt(_one_minus_square(x)))
arccos = primitive("arccos", numpy.arccos, public="np", jvp=ELEMENTWISE, complex=True,
                   vjp=lambda g, ans, x: -g / sqrt(_one_minus_square(x)))
arctan = primitive("arctan", numpy.arctan, public="np", jvp=ELEMENTWISE, complex=True,
                   vjp=lambda g, ans, x: g / (1 + x * x))


def _arctan2_pullback(g, ans, inputs, params, wanted):
    """d atan2(x1, x2) = (x2 dx1 - x1 dx2) / (x1^2 + x2^2); both gradients 0 at the origin."""
    x1, x2 = inputs
    scaled = g / _nonzero_or_one(x1 * x1 + x2 * x2)
    return (scaled * x2 if wanted[0] else None, -(scaled * x1) if wanted[1] else None)


def _arctan2_pushforward(tangents, ans, inputs, params):
    """The same slopes, applied to both tangents at once: (x2 t1 - x1 t2) / (x1^2 + x2^2)."""
    (x1, x2), (t1, t2) = inputs, tangents
    numerator = _combine(t1 * x2 if t1 is not None else None,
                         -(t2 * x1) if t2 is not None else None)
    return numerator / _nonzero_or_one(x1 * x1 + x2 * x2)


arctan2 = primitive(
    "arctan2", numpy.arctan2, public="np", pullback=_arctan2_pullback,
    pushforward=_arctan2_pushforward,
    doc="ndgrad's differentiable numpy.arctan2: the angle of the point (x2, x1), gradients "
        "(x2, -x1) / (x1^2 + x2^2). At the origin, where the angle has no derivative, both "
        "gradients are 0 (NumPy's value there is 0); across the negative x2 axis the angle "
        "jumps by 2 pi and each side gets its own slope.")


def _hypot_pullback(g, ans, inputs, params, wanted):
    """d hypot(x1, x2) = (x1 dx1 + x2 dx2) / hypot; both gradients 0 at the origin."""
    x1, x2 = inputs
    scaled = g / _nonzero_or_one(ans)
    return (scaled * x1 if wanted[0] else None, scaled * x2 if wanted[1] else None)


def _hypot_pushforward(tangents, ans, inputs, params):
    """The same slopes, applied to both tangents at once: (x1 t1 + x2 t2) / hypot."""
    (x1, x2), (t1, t2) = inputs, tangents
    numerator = _combine(t1 * x1 if t1 is not None else None,
                         t2 * x2 if t2 is not None else None)
    return numerator / _nonzero_or_one(ans)


hypot = primitive(
    "hypot", numpy.hypot, public="np", saves={"inputs", "answer"}, pullback=_hypot_pullback,
    pushforward=_hypot_pushforward,
    doc="ndgrad's differentiable numpy.hypot: sqrt(x1^2 + x2^2) without overflow; gradients "
        "xi / hypot, 0 at the origin (the subgradient of least norm, as linalg.norm of 0).")
deg2rad = primitive("deg2rad", numpy.deg2rad, public="np", aliases=("radians",),
                    numpy=(numpy.deg2rad, numpy.radians), jvp=ELEMENTWISE, saves=NOTHING,
                    vjp=lambda g, ans, x: g * _RADIANS_PER_DEGREE)
rad2deg = primitive("rad2deg", numpy.rad2deg, public="np", aliases=("degrees",),
                    numpy=(numpy.rad2deg, numpy.degrees), jvp=ELEMENTWISE, saves=NOTHING,
                    vjp=lambda g, ans, x: g / _RADIANS_PER_DEGREE)


def _sinc_family(x, n):
    """s_n(x) = j_n(pi x) / (pi x)^n, j_n the spherical Bessel function of the first kind.

    s_0 is the normalized sinc, and s_n' = -pi^2 x s_(n+1): every derivative of sinc is
    written with the family itself, and each member is smooth and finite at 0 (s_n(0) =
    1 / (2n+1)!!), so sinc is differentiable to any order with no special case at 0.
    Computed in x's float dtype, as numpy.sinc.
    """
    if n == 0:
        return numpy.sinc(x)
    # flat: NumPy turns 0-d results into scalars, which the in-place steps below cannot take
    t = numpy.pi * numpy.asarray(x, numpy.result_type(x, 1.0)).reshape(-1)
    # The power series converges fast for |t| < n + 1 (j_n has no zero there); the upward
    # recurrence is accurate beyond. Each runs on all elements, the other side's replaced.
    near = numpy.abs(t) < n + 1
    series = _sinc_family_series(_where(near, t, 0), n)
    values = _where(near, series, _sinc_family_recurrence(_where(near, n + 1, t), n))
    return values.reshape(numpy.shape(x))


def _sinc_family_series(t, n):
    """j_n(t)/t^n = sum_k c_k (-t^2)^k, c_k = 1 / (2^k k! (2n+2k+1)!!), for |t| <= n + 1, to
    the dtype's precision (the terms' bound at t = n + 1 says how many), by Horner's rule."""
    coefficients = [1.0 / math.prod(range(2 * n + 1, 0, -2))]
    bound = coefficients[0]
    while bound > coefficients[0] * numpy.finfo(t.dtype).eps / 10:
        k = len(coefficients)
        coefficients.append(coefficients[-1] / (2 * k * (2 * n + 2 * k + 1)))
        bound = coefficients[-1] * (n + 1) ** (2 * k)
    minus_t_squared = -t * t
    total = numpy.full_like(t, coefficients[-1])
    for coefficient in reversed(coefficients[:-1]):
        total *= minus_t_squared
        total += coefficient
    return total


def _sinc_family_recurrence(t, n):
    """j_n(t)/t^n from j_0 = sin t / t, j_1 = (j_0 - cos t) / t and
    j_(m+1) = (2m+1)/t j_m - j_(m-1); in place, as fresh large arrays cost page faults."""
    previous = numpy.sin(t)
    previous /= t
    current = numpy.cos(t)
    numpy.subtract(previous, current, out=current)
    current /= t
    for m in range(1, n):
        following = (2 * m + 1) / t
        following *= current
        following -= previous
        previous, current = current, following
    current /= t ** n
    return current


sinc_: Primitive = primitive("sinc", _sinc_family, jvp=ELEMENTWISE,
                             vjp=lambda g, ans, x, n: g * (-_PI_SQUARED * x) * sinc_(x, n=n + 1))


@public(numpy=numpy.sinc)
def sinc(x):
    """ndgrad's differentiable numpy.sinc: the normalized sinc sin(pi x) / (pi x), 1 at 0.

    Its derivative is computed without dividing by x: 0 at x = 0 (the limit), accurate near
    0, and differentiable again (the second derivative at 0 is -pi^2/3)."""
    return sinc_(x, n=0)


# -- hyperbolic functions -----------------------------------------------------------------------
sinh = primitive("sinh", numpy.sinh, public="np", jvp=ELEMENTWISE, complex=True,
                 vjp=lambda g, ans, x: g * cosh(x))
cosh: Primitive = primitive("cosh", numpy.cosh, public="np", jvp=ELEMENTWISE, complex=True,
                            vjp=lambda g, ans, x: g * sinh(x))
tanh = primitive("tanh", numpy.tanh, public=("np", "npx"), jvp=ELEMENTWISE, complex=True, saves=ANSWER,
                 vjp=lambda g, ans, x: g * (1 - ans * ans))
arcsinh = primitive("arcsinh", numpy.arcsinh, public="np", jvp=ELEMENTWISE, complex=True,
                    vjp=lambda g, ans, x: g / sqrt(x * x + 1))
arccosh = primitive("arccosh", numpy.arccosh, public="np", jvp=ELEMENTWISE, complex=True,
                    # two roots: exact near x = 1, and the principal branch for complex x
                    vjp=lambda g, ans, x: g / (sqrt(x - 1) * sqrt(x + 1)))
arctanh = primitive("arctanh", numpy.arctanh, public="np", jvp=ELEMENTWISE, complex=True,
                    vjp=lambda g, ans, x: g / _one_minus_square(x))

# -- extrema, selection, clipping ---------------------------------------------------------------
_SHARED = "tied operands share the gradient equally (half each)"
maximum = primitive("maximum", numpy.maximum, public="np", jvp=ELEMENTWISE,
                              # ties share the gradient equally
                    vjp=(lambda g, ans, x1, x2: _tie_share(g, x1, x2),
                         lambda g, ans, x1, x2: _tie_share(g, x2, x1)),
                    kinks=lambda ans, x1, x2: (_ties(x1, x2), _SHARED))
minimum = primitive("minimum", numpy.minimum, public="np", jvp=ELEMENTWISE,
                    vjp=(lambda g, ans, x1, x2: _tie_share(g, x2, x1),
                         lambda g, ans, x1, x2: _tie_share(g, x1, x2)),
                    kinks=lambda ans, x1, x2: (_ties(x1, x2), _SHARED))


def _skipping_nan(rules):
    """fmax's (fmin's) rules from maximum's (minimum's): an operand facing a NaN gets all of
    g, a NaN operand none (comparisons with NaN are False, so the inner rule gives it 0).
    Where both are NaN, x1 gets g: NumPy's answer is then x1's NaN."""
    first, second = rules
    return (lambda g, ans, x1, x2: where(isnan(x2), g, first(g, ans, x1, x2)),
            lambda g, ans, x1, x2: where(isnan(x1) & ~isnan(x2), g, second(g, ans, x1, x2)))


_FMAX_DOC = ("ndgrad's differentiable numpy.{}: NaNs are ignored, and so is their gradient: "
             "where one operand is NaN the other gets all of it (where both are, x1 does). "
             "Ties share the gradient equally, as in {}.")
fmax = primitive("fmax", numpy.fmax, public="np", jvp=ELEMENTWISE, vjp=_skipping_nan(maximum.vjp),
                 doc=_FMAX_DOC.format("fmax", "maximum"))
fmin = primitive("fmin", numpy.fmin, public="np", jvp=ELEMENTWISE, vjp=_skipping_nan(minimum.vjp),
                 doc=_FMAX_DOC.format("fmin", "minimum"))

# where: the unsigned integer type of each float size, to select bit patterns
_UNSIGNED = {2: numpy.uint16, 4: numpy.uint32, 8: numpy.uint64}


def _where(condition, x, y):
    """numpy.where(condition, x, y); on large float results, a select of bit patterns.

    NumPy's where branches on every element, and a random condition (a gradient mask) makes
    it ~10x slower than arithmetic; masking the bits with integer ANDs does not branch and is
    exact (NaN, inf and -0.0 included)."""
    if type(condition) is numpy.ndarray and condition.dtype == numpy.bool_ \
            and condition.size >= 8192:
        dtype = numpy.result_type(x, y)
        unsigned = _UNSIGNED.get(dtype.itemsize) if dtype.kind == "f" else None
        if unsigned is not None:
            return _select_bits(condition, numpy.asarray(x, dtype).view(unsigned),
                                numpy.asarray(y, dtype).view(unsigned)).view(dtype)
    return numpy.where(condition, x, y)


def _select_bits(condition, x, y):
    """The bits of x where condition holds, of y elsewhere: (x & mask) | (y & ~mask), in
    place where possible (fresh large arrays cost page faults); a 0.0 side is skipped."""
    mask = numpy.empty(broadcast_shapes(condition.shape, x.shape, y.shape), x.dtype)
    numpy.negative(condition.view(numpy.uint8), out=mask, dtype=x.dtype)   # 0 or all ones
    if y.ndim == 0 and y == 0:
        return numpy.bitwise_and(mask, x, out=mask)
    if x.ndim == 0 and x == 0:
        numpy.invert(mask, out=mask)
        return numpy.bitwise_and(mask, y, out=mask)
    selected = numpy.bitwise_and(mask, x)
    numpy.invert(mask, out=mask)
    numpy.bitwise_and(mask, y, out=mask)
    return numpy.bitwise_or(selected, mask, out=selected)


def _where_pushforward(tangents, ans, inputs, params):
    """where(condition, tx, ty), a missing tangent as 0. Not LINEAR: that would keep a
    constant branch (``where(x > 0, x, 1)``) in the tangent instead of zeroing it."""
    _, tx, ty = tangents
    if tx is None and ty is None:        # only a float condition's tangent: no effect
        return None
    return where_(inputs[0], 0 if tx is None else tx, 0 if ty is None else ty)


where_: Primitive = primitive("where", _where,             # the condition gets no gradient
                              pushforward=_where_pushforward, complex=True,
                              vjp=(None,
                                   lambda g, ans, condition, x, y: where_(condition, g, 0),
                                   lambda g, ans, condition, x, y: where_(condition, 0, g)))


@public(numpy=numpy.where)
def where(condition, x=None, y=None):
    """ndgrad's differentiable numpy.where: x where the condition holds, y elsewhere; the
    gradient goes the same way, and the condition gets none. With the condition alone it is
    ``np.nonzero(condition)``, as NumPy."""
    if x is None and y is None:
        return nonzero(condition)
    if x is None or y is None:
        raise ValueError("either both or neither of x and y should be given")
    return where_(condition, x, y)


def _inside(a, a_min, a_max):
    """Where ``a`` lies within the bounds (a bound of None does not bind), as a NumPy mask:
    a constant to autograd, computed on the raw values also when the rules are recorded."""
    a = numpy.asarray(raw(a))
    inside = True
    if a_min is not None:
        inside = a >= numpy.asarray(raw(a_min))
    if a_max is not None:
        inside = (a <= numpy.asarray(raw(a_max))) & inside
    return inside


clip_ = primitive(                  # the gradient passes inside; a bound gets it where it binds
    "clip", numpy.clip, jvp=ELEMENTWISE,
    vjp=(lambda g, ans, a, a_min, a_max: where(_inside(a, a_min, a_max), g, 0),
         lambda g, ans, a, a_min, a_max: where(a < a_min, g, 0),
         lambda g, ans, a, a_min, a_max: where(
             _inside(a, a_min, None) & ~_inside(a, None, a_max), g, 0)),
    kinks=lambda ans, a, a_min, a_max: (
        sum(_ties(a, bound) for bound in (a_min, a_max) if bound is not None),
        "at a bound the gradient passes to a (the bound counts as inside)"))


@public(numpy=numpy.clip)
def clip(a, a_min=None, a_max=None):
    """ndgrad's differentiable numpy.clip: the gradient passes where ``a`` is inside the
    bounds, and goes to the bound where it binds."""
    if a_min is None and a_max is None:
        raise ValueError("clip needs a_min or a_max (or both)")
    return clip_(a, a_min, a_max)


# -- remainders, signs, replacements ------------------------------------------------------------
_REMAINDER_DOC = (
    "ndgrad's differentiable numpy.{name}: x1 - {rounding}(x1 / x2) * x2. Gradients 1 for x1 and "
    "-{rounding}(x1 / x2) for x2. At a jump (x1 / x2 an integer) the derivative does not exist; "
    "the gradient given there is the slope of the piece NumPy's value lies on.")
remainder = primitive(
    "remainder", numpy.remainder, public="np", aliases=("mod",), jvp=ELEMENTWISE,
    # floor_divide, not floor(x1 / x2): NumPy's own quotient, consistent with its remainder
    vjp=(lambda g, ans, x1, x2: g, lambda g, ans, x1, x2: -(g * floor_divide(x1, x2))),
    doc=_REMAINDER_DOC.format(name="remainder (alias mod)", rounding="floor"))
fmod = primitive("fmod", numpy.fmod, public="np", jvp=ELEMENTWISE,
                 vjp=(lambda g, ans, x1, x2: g, lambda g, ans, x1, x2: -(g * trunc(x1 / x2))),
                 doc=_REMAINDER_DOC.format(name="fmod", rounding="trunc"))
copysign = primitive(
    "copysign", numpy.copysign, public="np", jvp=ELEMENTWISE, saves={"inputs", "answer"},
    # +1 where x1's sign is kept, -1 where it is flipped, 0 at x1 = 0 (abs's subgradient)
    vjp=(lambda g, ans, x1, x2: g * (sign(x1) * sign(ans)), None),
    doc="ndgrad's differentiable numpy.copysign: |x1| with the sign of x2. x1's gradient is "
        "+1 where the signs agree and -1 where they differ, 0 at x1 = 0 (as abs); x2 gets "
        "none (the sign is piecewise constant).")
nan_to_num_ = primitive("nan_to_num", numpy.nan_to_num, jvp=ELEMENTWISE,
                        vjp=lambda g, ans, x, nan, posinf, neginf: where(isfinite(x), g, 0))


@public(numpy=numpy.nan_to_num)
def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """ndgrad's differentiable numpy.nan_to_num: NaN and infinities replaced by finite values.
    The gradient passes where x is finite and is 0 where a value was replaced (a constant).
    ``copy=False`` (replace in place) is refused: it would hide the result from autograd."""
    if not copy:
        raise TypeError("nan_to_num(copy=False) is not supported by ndgrad: replacing values "
                        "in place would hide the result from autograd; use the returned array")
    return nan_to_num_(x, nan=nan, posinf=posinf, neginf=neginf)


# Piecewise-constant functions: their gradient is zero wherever it exists.
sign: Primitive = primitive("sign", numpy.sign, public="np", nondiff=True)
floor = primitive("floor", numpy.floor, public="np", nondiff=True)
ceil = primitive("ceil", numpy.ceil, public="np", nondiff=True)
trunc: Primitive = primitive("trunc", numpy.trunc, public="np", nondiff=True)
rint = primitive("rint", numpy.rint, public="np", nondiff=True)
round_ = primitive("round", numpy.round, public="np", aliases=("around",), nondiff=True)
floor_divide: Primitive = primitive("floor_divide", numpy.floor_divide, public="np", nondiff=True)

# Comparisons: boolean results, never a gradient.
equal = primitive("equal", numpy.equal, public="np", nondiff=True)
not_equal = primitive("not_equal", numpy.not_equal, public="np", nondiff=True)
def _switch(ans, x1, x2):
    """A comparison at equality: where np.where switches branches, each side's derivative
    is one-sided there."""
    return _ties(x1, x2), ("the operands are equal: a where on this comparison switches "
                           "branches here, and takes the derivative of the branch chosen")


less = primitive("less", numpy.less, public="np", nondiff=True, kinks=_switch)
less_equal = primitive("less_equal", numpy.less_equal, public="np", nondiff=True, kinks=_switch)
greater = primitive("greater", numpy.greater, public="np", nondiff=True, kinks=_switch)
greater_equal = primitive("greater_equal", numpy.greater_equal, public="np", nondiff=True, kinks=_switch)
logical_not = primitive("logical_not", numpy.logical_not, public="np", nondiff=True)
logical_and = primitive("logical_and", numpy.logical_and, public="np", nondiff=True)
logical_or = primitive("logical_or", numpy.logical_or, public="np", nondiff=True)
logical_xor = primitive("logical_xor", numpy.logical_xor, public="np", nondiff=True)
# Bitwise ops: on boolean masks, the & | ^ ~ operators; integer results carry no gradient.
bitwise_and = primitive("bitwise_and", numpy.bitwise_and, public="np", nondiff=True)
bitwise_or = primitive("bitwise_or", numpy.bitwise_or, public="np", nondiff=True)
bitwise_xor = primitive("bitwise_xor", numpy.bitwise_xor, public="np", nondiff=True)
invert = primitive("invert", numpy.invert, public="np", nondiff=True)
isnan = primitive("isnan", numpy.isnan, public="np", nondiff=True)
isinf = primitive("isinf", numpy.isinf, public="np", nondiff=True)
isfinite: Primitive = primitive("isfinite", numpy.isfinite, public="np", nondiff=True)
