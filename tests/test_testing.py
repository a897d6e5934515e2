"""ndgrad.testing.check_grads itself: it passes correct rules and catches wrong ones."""

import doctest

import numpy
import pytest

import ndgrad.testing
from ndgrad import np
from ndgrad._primitive import ELEMENTWISE, MULTILINEAR, Primitive
from ndgrad.testing import check_grads

X = numpy.linspace(-1.0, 1.0, 7)

def cos_rule(factor):
    return lambda g, ans, x: factor * g * np.cos(x)


# sin with a reverse-mode rule off by a factor (its forward-mode rule is right)
bad_sin = Primitive("bad_sin", numpy.sin, vjp=cos_rule(1.01), jvp=cos_rule(1.0))
# sin with a forward-mode rule off by a factor (its reverse-mode rule is right)
bad_jvp_sin = Primitive("bad_jvp_sin", numpy.sin, vjp=cos_rule(1.0), jvp=cos_rule(1.01))
# rules off by less than finite differences can see, but not consistent with each other
skewed_sin = Primitive("skewed_sin", numpy.sin, vjp=cos_rule(1 + 2e-6), jvp=cos_rule(1.0))
# sin whose rule is right but computed on raw values: it cannot be differentiated again
flat_sin = Primitive("flat_sin", numpy.sin, jvp=ELEMENTWISE,
                     vjp=lambda g, ans, x: g * numpy.cos(x.detach().asnumpy()
                                                      if isinstance(x, np.ndarray) else x))
# multiply whose rule for the second operand is wrong
bad_multiply = Primitive("bad_multiply", numpy.multiply, jvp=MULTILINEAR,
                         vjp=(lambda g, ans, x1, x2: g * x2, lambda g, ans, x1, x2: g * x2))


def test_docstring_examples_run():
    assert doctest.testmod(ndgrad.testing).failed == 0


@pytest.mark.parametrize("order", [1, 2, 3])
def test_correct_rules_pass_to_any_order(order):
    check_grads(lambda x, y: np.sin(x) * np.exp(y), [X, X[::-1]], order=order)


def test_a_wrong_first_order_rule_fails_with_the_numbers():
    with pytest.raises(AssertionError, match=r"bad_sin.*order-1 reverse-mode.*<VJP\(v\), u> = "
                                             r".* quotient -?[0-9]"):
        check_grads(bad_sin, [X], order=1)
    check_grads(bad_sin, [X], modes=("fwd",), order=1)


def test_a_wrong_forward_mode_rule_fails_with_the_numbers():
    with pytest.raises(AssertionError, match=r"bad_jvp_sin.*order-1 forward-mode.*<v, JVP\(u\)> = "
                                             r".* quotient -?[0-9]"):
        check_grads(bad_jvp_sin, [X], order=1)
    check_grads(bad_jvp_sin, [X], modes=("rev",), order=1)


def test_forward_and_reverse_rules_must_be_each_others_transpose():
    check_grads(skewed_sin, [X], modes=("rev",), order=1)
    check_grads(skewed_sin, [X], modes=("fwd",), order=1)
    with pytest.raises(AssertionError, match="forward and reverse modes disagree"):
        check_grads(skewed_sin, [X], order=1)


def test_a_rule_that_cannot_be_differentiated_again_fails_at_order_two():
    check_grads(flat_sin, [X], order=1)
    with pytest.raises(AssertionError, match="flat_sin.*order-2"):
        check_grads(flat_sin, [X], order=2)


def test_a_wrong_rule_for_one_of_several_arguments_is_caught():
    with pytest.raises(AssertionError, match="order-1"):
        check_grads(bad_multiply, [X, X + 2.0], order=1)


def test_float32_arguments_get_float32_tolerances():
    check_grads(np.tanh, [X.astype(numpy.float32)])
    with pytest.raises(AssertionError):
        check_grads(bad_sin, [X.astype(numpy.float32)], order=1, rtol=1e-3)


def test_functions_constant_in_the_input_pass():
    check_grads(lambda x: np.zeros_like(x) + 1.0, [X])


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="modes"):
        check_grads(np.sin, [X], modes=("reverse",))
    with pytest.raises(ValueError, match="order"):
        check_grads(np.sin, [X], order=0)
    with pytest.raises(TypeError, match="one ndgrad array"):
        check_grads(lambda x: [np.sin(x)], [X])


def test_one_array_may_stand_for_the_argument_list():
    check_grads(np.tanh, X)
    with pytest.raises(AssertionError, match="order-1"):
        check_grads(bad_sin, X, order=1)
