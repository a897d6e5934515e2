"""ndgrad.scipy.linalg (ops/matrix_functions.py) against SciPy (skipped without it), beyond
the op table's NumPy references: expm and sqrtm over a range of norms, solve_triangular and
solve in all their modes, the aliases; and the errors."""

import numpy
import pytest

from ndgrad import autograd, func, np
from ndgrad.scipy import linalg
from ndgrad.testing import check_grads

RNG = numpy.random.default_rng(11)


def complex_normal(shape):
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


def stacked(function, a):
    return numpy.stack([function(m) for m in a.reshape((-1,) + a.shape[-2:])]).reshape(
        a.shape)


@pytest.mark.parametrize("scale", [1e-3, 0.5, 3.0, 30.0])
@pytest.mark.parametrize("kind", ["real", "complex"])
def test_expm_matches_scipy(scale, kind):
    scipy_linalg = pytest.importorskip("scipy.linalg")
    a = scale * (RNG.standard_normal((2, 5, 5)) if kind == "real"
                 else complex_normal((2, 5, 5))) / 5
    expected = stacked(scipy_linalg.expm, a)
    result = linalg.expm(np.array(a))
    assert result.dtype == expected.dtype
    numpy.testing.assert_allclose(result.asnumpy(), expected,
                                  rtol=1e-12 * max(1.0, scale), atol=1e-14)


def test_expm_of_commuting_parts_and_its_frechet_derivative():
    # exp(diag(d)) = diag(exp(d)); for a diagonal A, L(A, E)_ij = E_ij (e^d_i - e^d_j) /
    # (d_i - d_j): the reverse-mode gradient of <G, expm(A)> is L(Aᵀ, G)
    d = numpy.array([0.5, -1.0, 2.0])
    numpy.testing.assert_allclose(linalg.expm(np.array(numpy.diag(d))).asnumpy(),
                                  numpy.diag(numpy.exp(d)), rtol=1e-14)
    weights = RNG.standard_normal((3, 3))
    x = np.array(numpy.diag(d))
    x.attach_grad()
    with autograd.record():
        y = (linalg.expm(x) * weights).sum()
    y.backward()
    gaps = d[:, None] - d[None, :]
    divided = numpy.where(gaps == 0, numpy.exp(d)[:, None],
                          (numpy.exp(d)[:, None] - numpy.exp(d)[None, :])
                          / numpy.where(gaps == 0, 1, gaps))
    numpy.testing.assert_allclose(x.grad.asnumpy(), weights * divided, rtol=1e-12)


@pytest.mark.parametrize("kind", ["real", "complex", "rotation"])
def test_sqrtm_matches_scipy(kind):
    scipy_linalg = pytest.importorskip("scipy.linalg")
    if kind == "rotation":       # complex eigenvalues of a real matrix: a real root
        c, s = numpy.cos(2.0), numpy.sin(2.0)
        a = numpy.array([[c, -s, 0.1], [s, c, 0.2], [0.0, 0.0, 1.5]])
    elif kind == "real":
        a = RNG.standard_normal((6, 6)) + 4 * numpy.eye(6)
    else:
        a = complex_normal((6, 6))
    expected = scipy_linalg.sqrtm(a)
    result = linalg.sqrtm(np.array(a)).asnumpy()
    assert result.dtype == numpy.result_type(a.dtype, numpy.float64)
    numpy.testing.assert_allclose(result, expected, rtol=1e-10, atol=1e-12)
    numpy.testing.assert_allclose(result @ result, a, rtol=1e-10, atol=1e-12)


def test_sqrtm_gradient_at_the_identity_where_eigenvalues_repeat():
    # d sqrt(A) at I is dA / 2; the derivative exists for repeated eigenvalues
    check_grads(linalg.sqrtm, [numpy.eye(3)], order=2)
    _, tangent = func.jvp(linalg.sqrtm, (np.array(numpy.eye(3)),),
                          (np.array(numpy.arange(9.0).reshape(3, 3)),))
    numpy.testing.assert_allclose(tangent.asnumpy(), numpy.arange(9.0).reshape(3, 3) / 2,
                                  rtol=1e-12)


@pytest.mark.parametrize("a", [numpy.diag([1.0, -2.0]), numpy.zeros((2, 2)),
                               numpy.array([[0.0, 1.0], [0.0, 0.0]])])
def test_sqrtm_refuses_eigenvalues_on_the_negative_real_axis(a):
    with pytest.raises(numpy.linalg.LinAlgError, match="negative real axis"):
        linalg.sqrtm(np.array(a))


@pytest.mark.parametrize("kwargs", [{}, {"lower": True}, {"trans": 1}, {"trans": "T"},
                                    {"trans": 2, "lower": True}, {"unit_diagonal": True},
                                    {"trans": "C", "unit_diagonal": True, "lower": True}])
@pytest.mark.parametrize("kind", ["real", "complex"])
@pytest.mark.parametrize("b_shape", [(4,), (4, 2)])
def test_solve_triangular_matches_scipy(kwargs, kind, b_shape):
    scipy_linalg = pytest.importorskip("scipy.linalg")
    a = RNG.standard_normal((4, 4)) + 4 * numpy.eye(4)
    b = RNG.standard_normal(b_shape)
    if kind == "complex":
        a, b = a + 1j * RNG.standard_normal((4, 4)), b + 1j * RNG.standard_normal(b_shape)
    expected = scipy_linalg.solve_triangular(a, b, **kwargs)
    result = linalg.solve_triangular(np.array(a), np.array(b), **kwargs)
    assert result.shape == expected.shape
    numpy.testing.assert_allclose(result.asnumpy(), expected, rtol=1e-12)


def test_solve_triangular_reads_one_triangle():
    a = RNG.standard_normal((3, 3)) + 3 * numpy.eye(3)
    b = RNG.standard_normal(3)
    x = np.array(a)
    x.attach_grad()
    with autograd.record():
        y = linalg.solve_triangular(x, np.array(b), lower=True, unit_diagonal=True).sum()
    y.backward()
    assert numpy.all(numpy.triu(x.grad.asnumpy()) == 0)
    assert numpy.all(x.grad.asnumpy()[numpy.tril_indices(3, -1)] != 0)


@pytest.mark.parametrize("kwargs", [{}, {"assume_a": "sym"}, {"assume_a": "her"},
                                    {"assume_a": "pos", "lower": True},
                                    {"assume_a": "positive definite"}, {"transposed": True},
                                    {"assume_a": "lower triangular"}])
def test_scipy_solve_matches_scipy(kwargs):
    scipy_linalg = pytest.importorskip("scipy.linalg")
    b = RNG.standard_normal((4, 4))
    a = b @ b.T + 4 * numpy.eye(4) + numpy.triu(RNG.standard_normal((4, 4)), 1)
    rhs = RNG.standard_normal((4, 2))
    expected = scipy_linalg.solve(a, rhs, **kwargs)
    numpy.testing.assert_allclose(linalg.solve(np.array(a), np.array(rhs), **kwargs).asnumpy(),
                                  expected, rtol=1e-10)


def test_aliases_match_scipy():
    scipy_linalg = pytest.importorskip("scipy.linalg")
    b = complex_normal((3, 3))
    a = b @ numpy.conj(b.T) + 3 * numpy.eye(3)
    numpy.testing.assert_allclose(linalg.inv(np.array(a)).asnumpy(), scipy_linalg.inv(a),
                                  rtol=1e-12)
    numpy.testing.assert_allclose(linalg.det(np.array(b)).asnumpy(), scipy_linalg.det(b),
                                  rtol=1e-12)
    for lower in (False, True):
        numpy.testing.assert_allclose(linalg.cholesky(np.array(a), lower=lower).asnumpy(),
                                      scipy_linalg.cholesky(a, lower=lower), rtol=1e-12)


def test_errors():
    a = numpy.eye(2)
    with pytest.raises(ValueError, match="trans must be"):
        linalg.solve_triangular(np.array(a), np.array(numpy.ones(2)), trans=3)
    with pytest.raises(ValueError, match="infs or NaNs"):
        linalg.solve_triangular(np.array(a), np.array([1.0, numpy.nan]))
    with pytest.raises(ValueError, match="incompatible"):
        linalg.solve_triangular(np.array(a), np.array(numpy.ones(3)))
    with pytest.raises(ValueError, match="infs or NaNs"):
        linalg.inv(np.array([[numpy.inf, 0.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="square"):
        linalg.expm(np.array(numpy.ones((2, 3))))
    with pytest.raises(ValueError, match="square"):
        linalg.sqrtm(np.array(numpy.ones(3)))
    with pytest.raises(NotImplementedError, match="assume_a='banded'"):
        linalg.solve(np.array(a), np.array(numpy.ones(2)), assume_a="banded")
    with pytest.raises(NotImplementedError, match="transposed"):
        linalg.solve(np.array(a + 1j), np.array(numpy.ones(2)), transposed=True)
