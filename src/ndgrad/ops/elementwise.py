"""Elementwise primitives: arithmetic, powers, exponentials, trigonometry, comparisons.

Each entry reads as the math: ``vjp`` maps the output's cotangent ``g`` to the operand's.
Rules return gradients in the broadcast shape; the engine sums them down (fit_gradient).
"""

from __future__ import annotations

import numpy

from .._primitive import ANSWER, NOTHING, primitive
from .._registry import REGISTRY


def _elementwise(name, forward, numpy_fn=None, **kwargs):
    """Declare an elementwise primitive and publish it in np under NumPy's name."""
    prim = primitive(name, forward, **kwargs)
    REGISTRY.add(prim, name, numpy=numpy_fn if numpy_fn is not None else forward)
    return prim


def _tie_share(g, x1, x2):
    """The part of g that goes to x1 in maximum(x1, x2): all where x1 wins, half on a tie."""
    return where(x1 > x2, g, where(x1 == x2, 0.5 * g, 0))


def _power_slope(x1, x2):
    """p x^(p-1); x**2, the commonest power, costs one temporary less as 2 x."""
    if type(x2) is int and x2 == 2:
        return 2 * x1
    return x2 * x1 ** (x2 - 1)


add = _elementwise("add", numpy.add, saves=NOTHING,
                   vjp=(lambda g, ans, x1, x2: g, lambda g, ans, x1, x2: g))
subtract = _elementwise("subtract", numpy.subtract, saves=NOTHING,
                        vjp=(lambda g, ans, x1, x2: g, lambda g, ans, x1, x2: -g))
multiply = _elementwise("multiply", numpy.multiply,
                        vjp=(lambda g, ans, x1, x2: g * x2, lambda g, ans, x1, x2: g * x1))
divide = _elementwise("divide", numpy.true_divide, numpy_fn=(numpy.true_divide, numpy.divide),
                      vjp=(lambda g, ans, x1, x2: g / x2,
                           lambda g, ans, x1, x2: -(g / x2) * (x1 / x2)))
REGISTRY.add(divide, "true_divide")
power = _elementwise(
    "power", numpy.power, saves={"inputs", "answer"},
    vjp=(lambda g, ans, x1, x2: g * _power_slope(x1, x2),          # d x^p = p x^(p-1) dx
         # d b^y = b^y log b dy; taken as 0 where b <= 0, where the real log is undefined
         lambda g, ans, x1, x2: g * ans * log(where(x1 > 0, x1, 1))))
negative = _elementwise("negative", numpy.negative, saves=NOTHING, vjp=lambda g, ans, x: -g)
positive = _elementwise("positive", numpy.positive, saves=NOTHING, vjp=lambda g, ans, x: g)
absolute = _elementwise("absolute", numpy.absolute, numpy_fn=numpy.absolute,
                        vjp=lambda g, ans, x: g * sign(x))           # subgradient 0 at 0
REGISTRY.add(absolute, "abs")
square = _elementwise("square", numpy.square, vjp=lambda g, ans, x: g * 2 * x)
sqrt = _elementwise("sqrt", numpy.sqrt, saves=ANSWER, vjp=lambda g, ans, x: g / (2 * ans))
exp = _elementwise("exp", numpy.exp, saves=ANSWER, vjp=lambda g, ans, x: g * ans)
log = _elementwise("log", numpy.log, vjp=lambda g, ans, x: g / x)
sin = _elementwise("sin", numpy.sin, vjp=lambda g, ans, x: g * cos(x))
cos = _elementwise("cos", numpy.cos, vjp=lambda g, ans, x: -(g * sin(x)))
tanh = _elementwise("tanh", numpy.tanh, saves=ANSWER,
                    vjp=lambda g, ans, x: g * (1 - ans * ans))
maximum = _elementwise("maximum", numpy.maximum,           # ties share the gradient equally
                       vjp=(lambda g, ans, x1, x2: _tie_share(g, x1, x2),
                            lambda g, ans, x1, x2: _tie_share(g, x2, x1)))
minimum = _elementwise("minimum", numpy.minimum,
                       vjp=(lambda g, ans, x1, x2: _tie_share(g, x2, x1),
                            lambda g, ans, x1, x2: _tie_share(g, x1, x2)))
where = _elementwise("where", numpy.where,                 # the condition gets no gradient
                     vjp=(None,
                          lambda g, ans, condition, x, y: where(condition, g, 0),
                          lambda g, ans, condition, x, y: where(condition, 0, g)))


def _inside(a, a_min, a_max):
    """Where ``a`` lies within the bounds (a bound of None does not bind), as a NumPy mask:
    a constant to autograd, computed on the raw values also when the rules are recorded."""
    a = numpy.asarray(a)
    inside = True
    if a_min is not None:
        inside = a >= numpy.asarray(a_min)
    if a_max is not None:
        inside = (a <= numpy.asarray(a_max)) & inside
    return inside


clip_ = primitive(                  # the gradient passes inside; a bound gets it where it binds
    "clip", numpy.clip,
    vjp=(lambda g, ans, a, a_min, a_max: where(_inside(a, a_min, a_max), g, 0),
         lambda g, ans, a, a_min, a_max: where(a < a_min, g, 0),
         lambda g, ans, a, a_min, a_max: where(
             _inside(a, a_min, None) & ~_inside(a, None, a_max), g, 0)))


def clip(a, a_min=None, a_max=None):
    """ndgrad's differentiable numpy.clip: the gradient passes where ``a`` is inside the
    bounds, and goes to the bound where it binds."""
    if a_min is None and a_max is None:
        raise ValueError("clip needs a_min or a_max (or both)")
    return clip_(a, a_min, a_max)


REGISTRY.add(clip, numpy=numpy.clip)

# Piecewise-constant functions: their gradient is zero wherever it exists.
sign = _elementwise("sign", numpy.sign, nondiff=True)
floor = _elementwise("floor", numpy.floor, nondiff=True)
ceil = _elementwise("ceil", numpy.ceil, nondiff=True)
round_ = _elementwise("round", numpy.round, nondiff=True)
REGISTRY.add(round_, "around")

# Comparisons: boolean results, never a gradient.
equal = _elementwise("equal", numpy.equal, nondiff=True)
not_equal = _elementwise("not_equal", numpy.not_equal, nondiff=True)
less = _elementwise("less", numpy.less, nondiff=True)
less_equal = _elementwise("less_equal", numpy.less_equal, nondiff=True)
greater = _elementwise("greater", numpy.greater, nondiff=True)
greater_equal = _elementwise("greater_equal", numpy.greater_equal, nondiff=True)
logical_not = _elementwise("logical_not", numpy.logical_not, nondiff=True)
logical_and = _elementwise("logical_and", numpy.logical_and, nondiff=True)
logical_or = _elementwise("logical_or", numpy.logical_or, nondiff=True)
logical_xor = _elementwise("logical_xor", numpy.logical_xor, nondiff=True)
# Bitwise ops: on boolean masks, the & | ^ ~ operators; integer results carry no gradient.
bitwise_and = _elementwise("bitwise_and", numpy.bitwise_and, nondiff=True)
bitwise_or = _elementwise("bitwise_or", numpy.bitwise_or, nondiff=True)
bitwise_xor = _elementwise("bitwise_xor", numpy.bitwise_xor, nondiff=True)
invert = _elementwise("invert", numpy.invert, nondiff=True)
isnan = _elementwise("isnan", numpy.isnan, nondiff=True)
isinf = _elementwise("isinf", numpy.isinf, nondiff=True)
isfinite = _elementwise("isfinite", numpy.isfinite, nondiff=True)
