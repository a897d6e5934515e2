"""Linear algebra beyond the op table: einsum's subscript forms, multi_dot's order, cross
products, the documented refusals (degenerate eigenvalues, singular matrices, qr and svd
modes without a gradient, losses that depend on complex vectors' phases), eig's gradient
against JAX's, and NumPy's errors."""

import warnings

import numpy
import pytest

from ndgrad import autograd, func, np
from ndgrad.errors import NoDerivativeError
from ndgrad.ops.linalg import _chain_order
from ndgrad.testing import check_grads

RNG = numpy.random.default_rng(7)


def gradient(f, *arrays):
    """The gradients of sum(f(*arrays)) (f may return a tuple: the first part is summed)."""
    variables = [np.array(numpy.asarray(a, dtype=numpy.result_type(a, numpy.float64)))
                 for a in arrays]
    for variable in variables:
        variable.attach_grad()
    with autograd.record():
        out = f(*variables)
    out.backward()
    return [variable.grad.asnumpy() for variable in variables]


# -- einsum ----------------------------------------------------------------------------------
EINSUM_FORMS = [
    ("ii->", [(3, 3)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("ij", [(2, 3)]),
    ("ji", [(2, 3)]), ("ij->", [(2, 3)]), ("ij->j", [(2, 3)]), ("ij,jk", [(2, 3), (3, 4)]),
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("...ij,...jk->...ik", [(2, 2, 3), (3, 4)]),
    ("i,i", [(3,), (3,)]), ("i,j", [(3,), (2,)]), ("i,i->i", [(3,), (3,)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]), ("ijk,ikl,ilm->jm", [(2, 3, 3)] * 2 + [(2, 3, 2)]),
    ("ijk,ikl,ilm", [(2, 3, 3), (2, 3, 3), (2, 3, 2)]), ("iij->j", [(2, 2, 3)]),
    ("iijj->ij", [(2, 2, 3, 3)]), ("ij,ij->", [(2, 3), (2, 3)]),
    ("ij,ij,jk->", [(2, 3), (2, 3), (3, 2)]), ("...", [(2, 3)]), ("...i->...", [(2, 3)]),
    ("i...->...", [(2, 3)]), ("ab,bc,cd,de->ae", [(2, 3), (3, 4), (4, 2), (2, 3)]),
    ("ij,jk", [(2, 1), (3, 4)]), ("bij,bjk->bik", [(1, 2, 3), (2, 3, 4)]), ("i,", [(3,), ()]),
    (",", [(), ()]), ("ii,i->i", [(3, 3), (3,)]), ("Ba,aB", [(2, 3), (3, 2)]),
    ("ijk->kji", [(2, 3, 4)]), ("...ii->...i", [(2, 3, 3)]), ("i,i,i->", [(3,), (3,), (3,)]),
    ("ij,jk->ik", [(2, 0), (0, 3)]), ("i j , j k -> i k", [(2, 3), (3, 4)]),
]


@pytest.mark.parametrize("subscripts, shapes", EINSUM_FORMS,
                         ids=[form for form, _ in EINSUM_FORMS])
@pytest.mark.parametrize("optimize", [True, False])
def test_einsum_forms_match_numpy(subscripts, shapes, optimize):
    operands = [RNG.standard_normal(shape) for shape in shapes]
    expected = numpy.einsum(subscripts, *operands)
    result = np.einsum(subscripts, *[np.array(a) for a in operands], optimize=optimize)
    assert result.shape == numpy.shape(expected)
    assert result.dtype == expected.dtype
    numpy.testing.assert_allclose(result.asnumpy(), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtypes", [("float32", "float32"), ("float32", "float64"),
                                    ("int64", "int64"), ("int64", "float32")])
def test_einsum_result_dtype_is_numpys(dtypes):
    a, b = (numpy.arange(6).reshape(2, 3).astype(dtypes[0]),
            numpy.arange(12).reshape(3, 4).astype(dtypes[1]))
    expected = numpy.einsum("ij,jk,kl->il", a, b, numpy.ones((4, 2), dtypes[1]))
    result = np.einsum("ij,jk,kl->il", np.array(a), np.array(b),
                       np.array(numpy.ones((4, 2), dtypes[1])))
    assert result.dtype == expected.dtype
    numpy.testing.assert_allclose(result.asnumpy(), expected, rtol=1e-6)


def test_einsum_sublist_form_matches_numpy():
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((3, 4))
    for args in ([0, 1], [1, 27]), ([0, 1], [1, 2], [0, 2]), ([Ellipsis, 1], [1, 2]):
        numpy_args, ndgrad_args = [], []
        for operand, sublist in zip((a, b), args):
            numpy_args += [operand, sublist]
            ndgrad_args += [np.array(operand), sublist]
        if len(args) == 3:
            numpy_args.append(args[2])
            ndgrad_args.append(args[2])
        numpy.testing.assert_allclose(np.einsum(*ndgrad_args).asnumpy(),
                                      numpy.einsum(*numpy_args), rtol=1e-12)


def test_einsum_with_an_explicit_path_and_dtype():
    a, b, c = (RNG.standard_normal((2, 3)), RNG.standard_normal((3, 4)),
               RNG.standard_normal((4, 2)))
    path = numpy.einsum_path("ij,jk,kl->il", a, b, c, optimize="optimal")[0]
    result = np.einsum("ij,jk,kl->il", np.array(a), np.array(b), np.array(c), optimize=path)
    numpy.testing.assert_allclose(result.asnumpy(), a @ b @ c, rtol=1e-12)
    single = np.einsum("ij,jk->ik", np.array(a), np.array(b), dtype="float32",
                       casting="same_kind")
    assert single.dtype == numpy.float32
    with pytest.raises(TypeError, match="Cannot cast"):
        np.einsum("ij,jk->ik", np.array(a), np.array(b), dtype="float32")


@pytest.mark.parametrize("subscripts, shapes", [
    ("ij->jj", [(2, 3)]), ("ij->k", [(2, 3)]), ("ij", [(2, 3, 4)]), ("i", [(2, 3)]),
    ("ij,jk", [(2, 3)]), ("i1", [(2, 3)]), ("ij,jk", [(2, 3), (2, 4)]), ("ii", [(1, 3)]),
    ("...i->i", [(2, 3)]), ("i.j", [(2, 3)]), ("ijk", [(2, 3)]),
])
def test_einsum_bad_subscripts_raise_numpys_value_error(subscripts, shapes):
    operands = [numpy.ones(shape) for shape in shapes]
    with pytest.raises(ValueError):
        numpy.einsum(subscripts, *operands)
    with pytest.raises(ValueError):
        np.einsum(subscripts, *[np.array(a) for a in operands])


@pytest.mark.parametrize("subscripts, shapes", [
    ("ij,jk", [(2, 1), (3, 4)]), ("bij,bjk->bik", [(1, 2, 3), (2, 3, 1)]),
    ("...i,...i->...", [(2, 1, 3), (4, 1)]), ("ii->i", [(3, 3)]), ("ij->", [(1, 1)]),
    ("iijj->ij", [(2, 2, 3, 3)]), ("ijk,ikl,ilm->jm", [(2, 3, 3), (2, 3, 3), (1, 3, 2)]),
])
def test_einsum_gradients_with_broadcasting_diagonals_and_summed_subscripts(subscripts,
                                                                          shapes):
    check_grads(lambda *xs: np.einsum(subscripts, *xs),
                [RNG.standard_normal(shape) for shape in shapes], order=2)


def test_einsum_of_a_transpose_does_not_share_memory_with_its_operand():
    x = np.array(numpy.arange(6.0).reshape(2, 3))
    y = np.einsum("ij->ji", x)
    y[0, 0] = 100.0
    assert x.asnumpy()[0, 0] == 0.0


def test_numpy_einsum_on_ndgrad_arrays_is_recorded():
    x = np.array(RNG.standard_normal((3, 3)))
    x.attach_grad()
    with autograd.record():
        y = numpy.einsum("ii->", x)
    y.backward()
    numpy.testing.assert_array_equal(x.grad.asnumpy(), numpy.eye(3))


# -- products --------------------------------------------------------------------------------
def test_multi_dot_chooses_the_cheapest_order():
    # the textbook chain (Cormen et al. 15.2): ((A1 (A2 A3)) ((A4 A5) A6)), 15125 products
    dims = [30, 35, 15, 5, 10, 20, 25]
    splits = _chain_order([(dims[i], dims[i + 1]) for i in range(6)])
    assert splits[0][5] == 2 and splits[0][2] == 0 and splits[3][5] == 4


@pytest.mark.parametrize("shapes", [[(10, 2), (2, 10), (10, 3)], [(2, 10), (10, 2), (2, 10)],
                                    [(3, 4), (4, 5), (5, 1), (1, 6), (6, 2)],
                                    [(4,), (4, 3), (3, 2), (2,)], [(4,), (4, 3), (3, 2)]])
def test_multi_dot_equals_numpys_to_the_last_bit(shapes):
    # the same order of products gives the same rounding
    arrays = [RNG.standard_normal(shape).astype(numpy.float32) for shape in shapes]
    result = np.linalg.multi_dot([np.array(a) for a in arrays])
    expected = numpy.linalg.multi_dot(arrays)
    assert result.shape == expected.shape
    numpy.testing.assert_array_equal(result.asnumpy(), expected)


def test_multi_dot_errors():
    with pytest.raises(ValueError, match="at least two"):
        np.linalg.multi_dot([np.array(numpy.ones((2, 2)))])
    with pytest.raises(numpy.linalg.LinAlgError, match="two-dimensional"):
        np.linalg.multi_dot([np.array(numpy.ones((2, 2))), np.array(numpy.ones((2, 2))),
                             np.array(numpy.ones((2, 2, 2)))])


def test_cross_products_of_the_unit_vectors():
    x, y, z = (np.array(row) for row in numpy.eye(3))
    numpy.testing.assert_array_equal(np.cross(x, y).asnumpy(), z.asnumpy())
    numpy.testing.assert_array_equal(np.cross(z, y).asnumpy(), -x.asnumpy())
    stacked = np.cross(np.array(numpy.eye(3)), np.array(numpy.roll(numpy.eye(3), -1, axis=0)))
    numpy.testing.assert_array_equal(stacked.asnumpy(), numpy.roll(numpy.eye(3), 1, axis=0))


@pytest.mark.parametrize("shapes, kwargs", [
    (((2,), (2,)), {}), (((4, 2), (2,)), {}), (((2,), (3,)), {}), (((4, 3), (4, 2)), {}),
    (((3, 4), (4, 3)), {"axisa": 0}), (((3, 4), (3, 4)), {"axis": 0}),
    (((4, 3), (1, 3)), {"axisc": 0}), (((2, 3, 4), (3, 4)), {"axisa": 1, "axisb": 0}),
])
def test_cross_matches_numpy(shapes, kwargs):
    a, b = (RNG.standard_normal(shape) for shape in shapes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        expected = numpy.cross(a, b, **kwargs)
        result = np.cross(np.array(a), np.array(b), **kwargs)
    assert result.shape == expected.shape
    numpy.testing.assert_allclose(result.asnumpy(), expected, rtol=1e-12, atol=1e-15)


def test_cross_of_integers_and_its_errors():
    a, b = numpy.array([1, 2, 3]), numpy.array([4, 5, 6])
    result = np.cross(np.array(a), np.array(b))
    assert result.dtype == numpy.cross(a, b).dtype
    numpy.testing.assert_array_equal(result.asnumpy(), numpy.cross(a, b))
    with pytest.raises(ValueError, match="dimension must be 2 or 3"):
        np.cross(np.array(numpy.ones(4)), np.array(numpy.ones(3)))
    with pytest.raises(ValueError, match="zero dimension"):
        np.cross(np.array(numpy.float64(1.0)), np.array(numpy.ones(3)))
    with pytest.warns(DeprecationWarning, match="2-dimensional vectors"):
        np.cross(np.array(numpy.ones(2)), np.array(numpy.ones(3)))


def test_inner_outer_vdot_kron_forms_and_errors():
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((4, 3))
    numpy.testing.assert_allclose(np.inner(np.array(a), np.array(b)).asnumpy(),
                                  numpy.inner(a, b), rtol=1e-12)
    numpy.testing.assert_allclose(np.outer(np.array(a), np.array(b)).asnumpy(),
                                  numpy.outer(a, b), rtol=1e-12)
    numpy.testing.assert_allclose(np.kron(np.array(a), np.array(b[0])).asnumpy(),
                                  numpy.kron(a, b[0]), rtol=1e-12)
    assert np.inner(np.array(a), np.array(2.0)).shape == (2, 3)
    with pytest.raises(ValueError, match="not aligned"):
        np.inner(np.array(a), np.array(numpy.ones(2)))
    with pytest.raises(ValueError, match="sizes differ"):
        np.vdot(np.array(a), np.array(b))
    # vdot conjugates its first operand, as NumPy
    z, w = numpy.array([1 + 2j, -1j]), numpy.array([3 - 1j, 2 + 1j])
    assert np.vdot(np.array(z), np.array(w)).item() == numpy.vdot(z, w)
    assert np.vdot(np.array(w), np.array(z)).item() == numpy.vdot(w, z)


def test_matrix_power_special_cases_and_errors():
    a = np.array(RNG.standard_normal((2, 3, 3)) + 3 * numpy.eye(3))
    a.attach_grad()
    with autograd.record():
        identity = np.linalg.matrix_power(a, 0)
    numpy.testing.assert_array_equal(identity.asnumpy(), numpy.broadcast_to(numpy.eye(3),
                                                                            (2, 3, 3)))
    identity.backward()                              # a constant function of a: zeros
    numpy.testing.assert_array_equal(a.grad.asnumpy(), numpy.zeros((2, 3, 3)))
    numpy.testing.assert_allclose(np.linalg.matrix_power(a, -2).asnumpy(),
                                  numpy.linalg.matrix_power(a.asnumpy(), -2), rtol=1e-12)
    with pytest.raises(TypeError, match="integer"):
        np.linalg.matrix_power(a, 1.5)
    with pytest.raises(numpy.linalg.LinAlgError, match="square"):
        np.linalg.matrix_power(np.array(numpy.ones((2, 3))), 2)
    with pytest.raises(numpy.linalg.LinAlgError, match="at least two-dimensional"):
        np.linalg.matrix_power(np.array(numpy.ones(3)), 2)


# -- decompositions: documented refusals and NumPy's errors ----------------------------------
def test_eigh_with_repeated_eigenvalues_refuses_eigenvector_gradients():
    a = numpy.diag([1.0, 2.0, 2.0])
    with pytest.raises(NoDerivativeError, match="coincide"):
        gradient(lambda x: np.linalg.eigh(x)[1][:, 0].sum(), a)
    # the eigenvalues alone are fine: d sum(w) / dA = I (on the diagonal of the lower triangle)
    (grad,) = gradient(lambda x: np.linalg.eigvalsh(x).sum(), a)
    numpy.testing.assert_allclose(grad, numpy.eye(3), atol=1e-12)
    (grad,) = gradient(lambda x: np.linalg.eigh(x)[0][2], numpy.diag([1.0, 2.0, 3.0]))
    numpy.testing.assert_allclose(grad, numpy.diag([0.0, 0.0, 1.0]), atol=1e-12)


def test_symmetric_inputs_get_the_gradient_on_the_triangle_numpy_reads():
    a = numpy.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
    for f, lower in [(lambda x: np.linalg.cholesky(x).sum(), True),
                     (lambda x: np.linalg.cholesky(x, upper=True).sum(), False),
                     (lambda x: np.linalg.eigvalsh(x, UPLO="U")[0], False),
                     (lambda x: (np.linalg.eigh(x)[1] ** 2 * numpy.arange(3.0)).sum(), True)]:
        (grad,) = gradient(f, a)
        unread = numpy.triu(grad, 1) if lower else numpy.tril(grad, -1)
        assert numpy.all(unread == 0) and numpy.any(grad != 0)


def test_svd_refusals():
    orthogonal = numpy.linalg.qr(RNG.standard_normal((3, 3)))[0]
    with pytest.raises(NoDerivativeError, match="coincide"):
        gradient(lambda x: np.linalg.svd(x)[0].sum(), orthogonal)
    # singular values alone: d sum(s) = U Vᵀ, here the matrix itself
    (grad,) = gradient(lambda x: np.linalg.svd(x, compute_uv=False).sum(), orthogonal)
    numpy.testing.assert_allclose(grad, orthogonal, atol=1e-12)
    tall = RNG.standard_normal((4, 2))
    with pytest.raises(NoDerivativeError, match="full_matrices"):
        gradient(lambda x: np.linalg.svd(x)[0].sum(), tall)
    (grad,) = gradient(lambda x: np.linalg.svd(x)[1].sum(), tall)
    u, _, vh = numpy.linalg.svd(tall, full_matrices=False)
    numpy.testing.assert_allclose(grad, u @ vh, atol=1e-12)


def test_spectral_norm_with_a_repeated_top_singular_value_shares_the_gradient():
    (grad,) = gradient(lambda x: np.linalg.norm(x, 2), numpy.eye(3))
    numpy.testing.assert_allclose(grad, numpy.eye(3) / 3, atol=1e-12)


@pytest.mark.parametrize("ord", ["nuc", 2, -2])
@pytest.mark.parametrize("axis, keepdims", [(None, False), ((1, 2), True), ((2, 0), False)])
def test_spectral_norms_match_numpy(ord, axis, keepdims):
    x = RNG.standard_normal((2, 3, 4)) if axis else RNG.standard_normal((3, 4))
    expected = numpy.linalg.norm(x, ord, axis, keepdims)
    result = np.linalg.norm(np.array(x), ord, axis, keepdims)
    assert result.shape == expected.shape
    numpy.testing.assert_allclose(result.asnumpy(), expected, rtol=1e-12)


def test_qr_refusals():
    with pytest.raises(NoDerivativeError, match="at least as many rows"):
        gradient(lambda x: np.linalg.qr(x)[1].sum(), RNG.standard_normal((2, 3)))
    with pytest.raises(NoDerivativeError, match="raw"):
        gradient(lambda x: np.linalg.qr(x, mode="raw")[0].sum(), RNG.standard_normal((3, 2)))
    tall = RNG.standard_normal((4, 2))
    with pytest.raises(NoDerivativeError, match="complete"):
        gradient(lambda x: np.linalg.qr(x, mode="complete")[0].sum(), tall)
    # R alone (and Q's first columns) of a complete decomposition are fine
    complete, = gradient(lambda x: np.linalg.qr(x, mode="complete")[1].sum(), tall)
    reduced, = gradient(lambda x: np.linalg.qr(x)[1].sum(), tall)
    numpy.testing.assert_allclose(complete, reduced, atol=1e-12)
    with pytest.raises(ValueError, match="mode"):
        np.linalg.qr(np.array(tall), mode="everything")
    with pytest.warns(DeprecationWarning, match="full"):
        q, r = np.linalg.qr(np.array(tall), mode="full")
    assert q.shape == (4, 2) and r.shape == (2, 2)


def test_singular_matrices():
    singular = numpy.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(numpy.linalg.LinAlgError):
        np.linalg.inv(np.array(singular))
    with pytest.raises(numpy.linalg.LinAlgError):
        np.linalg.solve(np.array(singular), np.array(numpy.ones(2)))
    with pytest.raises(numpy.linalg.LinAlgError):
        np.linalg.cholesky(np.array(-numpy.eye(2)))
    assert np.linalg.det(np.array(singular)).item() == 0.0
    with pytest.raises(NoDerivativeError, match="singular"):
        gradient(np.linalg.det, singular)
    with pytest.raises(NoDerivativeError, match="singular"):
        gradient(lambda x: np.linalg.slogdet(x)[1], singular)


def test_slogdet_and_eigh_results_are_named_as_numpys():
    a = numpy.array([[2.0, -1.0], [-1.0, 3.0]])
    sign, logabsdet = numpy.linalg.slogdet(-a)
    result = np.linalg.slogdet(np.array(-a))
    assert result.sign.item() == sign and result.logabsdet.item() == pytest.approx(logabsdet)
    w, _ = np.linalg.eigh(np.array(a))
    assert np.linalg.eigh(np.array(a)).eigenvalues.shape == w.shape == (2,)
    assert np.linalg.svd(np.array(a)).Vh.shape == (2, 2)
    assert np.linalg.qr(np.array(a)).R.shape == (2, 2)


@pytest.mark.parametrize("shapes", [((4, 2), (4,)), ((4, 2), (4, 3)), ((2, 4), (2,)),
                                    ((3, 3), (3, 2))])
def test_lstsq_returns_what_numpy_returns(shapes):
    a, b = (RNG.standard_normal(shape) for shape in shapes)
    expected = numpy.linalg.lstsq(a, b)
    result = np.linalg.lstsq(np.array(a), np.array(b))
    for part, want in zip(result[:2] + result[3:], expected[:2] + expected[3:]):
        assert part.shape == want.shape and part.dtype == want.dtype
        numpy.testing.assert_allclose(part.asnumpy(), want, rtol=1e-10, atol=1e-12)
    assert result[2] == expected[2]


def test_lstsq_of_a_rank_deficient_matrix():
    a = numpy.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    b = numpy.array([1.0, 0.0, 2.0])
    x, residuals, rank, _ = np.linalg.lstsq(np.array(a), np.array(b))
    expected = numpy.linalg.lstsq(a, b)
    assert rank == expected[2] == 1 and residuals.shape == (0,)
    numpy.testing.assert_allclose(x.asnumpy(), expected[0], rtol=1e-10)


def test_pinv_keyword_rules():
    a = np.array(RNG.standard_normal((3, 2)))
    with pytest.raises(ValueError, match="both"):
        np.linalg.pinv(a, rcond=1e-10, rtol=1e-10)
    numpy.testing.assert_allclose(np.linalg.pinv(a, rtol=None).asnumpy(),
                                  numpy.linalg.pinv(a.asnumpy(), rtol=None), rtol=1e-12)


def test_numpy_linalg_functions_on_ndgrad_arrays_are_recorded():
    a = np.array(RNG.standard_normal((3, 3)) + 3 * numpy.eye(3))
    a.attach_grad()
    with autograd.record():
        y = numpy.linalg.det(a)
    y.backward()
    numpy.testing.assert_allclose(a.grad.asnumpy(),
                                  y.item() * numpy.linalg.inv(a.asnumpy()).T, rtol=1e-10)


# -- forward mode at the points where reverse mode decides late -----------------------------
def _f64(values):
    return np.array(numpy.asarray(values, dtype=numpy.float64))


def test_forward_mode_refuses_the_arbitrary_basis_of_a_full_svd():
    from ndgrad import func
    a = _f64(numpy.arange(6.0).reshape(3, 2) + numpy.eye(3, 2))
    with pytest.raises(NoDerivativeError, match="full_matrices=False"):
        func.jvp(lambda m: np.linalg.svd(m)[1], (a,), (_f64(numpy.ones((3, 2))),))
    _, ds = func.jvp(lambda m: np.linalg.svd(m, full_matrices=False)[1], (a,),
                     (_f64(numpy.ones((3, 2))),))
    assert numpy.all(numpy.isfinite(ds.asnumpy()))


def test_forward_mode_eigenvalues_at_repeated_values_are_defined():
    from ndgrad import func
    a = _f64(numpy.diag([1.0, 2.0, 2.0]))
    t = _f64([[0.0, 0.0, 0.0], [0.0, 1.0, 0.5], [0.0, 0.5, 3.0]])
    _, dw = func.jvp(np.linalg.eigvalsh, (a,), (t,))
    # Where two eigenvalues coincide their order is not differentiable; ndgrad gives
    # diag(V^T t V) for NumPy's V, as reverse mode does: finite, and its sum is the exact
    # derivative of the trace (the sum of the eigenvalues)
    assert numpy.all(numpy.isfinite(dw.asnumpy()))
    numpy.testing.assert_allclose(dw.asnumpy().sum(), numpy.trace(t.asnumpy()), rtol=1e-12)
    with pytest.raises(NoDerivativeError, match="coincide"):
        func.jvp(lambda m: np.linalg.eigh(m)[1], (a,), (t,))


# -- eig and complex decompositions ----------------------------------------------------------
# JAX 0.x's jax.grad of the same losses (jax.lax.linalg.eig with enable_eigvec_derivs=True,
# x64), computed once outside the test suite: JAX is no dependency.
EIG_MATRIX = (numpy.array([[1.0, 2.0, 0.5], [-1.0, 0.5, 1.5], [0.3, -0.7, 2.0]])
              + 1j * numpy.array([[0.2, -0.4, 0.1], [0.6, 0.0, -0.3], [-0.5, 0.8, 0.4]]))
JAX_EIG_GRADIENT = numpy.array([
    [-2.4623666954228236 - 1.2954275002966824j, -9.09963370326889 - 2.0613607826210165j,
     -11.79700537365322 - 11.72517531365245j],
    [-19.831182737279526 - 7.851156096331606j, -3.294592296233341 - 1.6086907215248045j,
     -16.542446880520647 - 1.212187643756593j],
    [12.23585590888522 + 23.846872443990403j, -5.987800820964235 - 7.6442529218225035j,
     19.109371583316808 + 2.734341062726109j]])
JAX_EIGVALS_GRADIENT = numpy.array([
    [2.580567625270762, 0.5622838750069734, 1.8475636106524562],
    [-0.26158189379993985, 0.6257916625834075, -0.25756334263841624],
    [5.955892205134123, 1.784758385959479, 6.568572810301291]])


def test_eig_gradients_match_jax():
    weights = numpy.arange(9.0).reshape(3, 3)

    def loss(a):
        w, v = np.linalg.eig(a)
        return (np.real(np.sum(weights * ((v * w[None, :]) @ np.conj(v).T)
                               + weights ** 2 * v * np.conj(v)))
                + np.sum(np.imag(w) ** 2))

    (grad,) = gradient(loss, EIG_MATRIX)
    numpy.testing.assert_allclose(grad, JAX_EIG_GRADIENT, rtol=1e-10)

    def values_loss(a):
        w = np.linalg.eigvals(a)
        return np.sum(np.real(w) ** 2 * numpy.arange(3.0)) + np.sum(np.imag(w) ** 3)

    (grad,) = gradient(values_loss, EIG_MATRIX.real)
    assert grad.dtype == numpy.float64
    numpy.testing.assert_allclose(grad, JAX_EIGVALS_GRADIENT, rtol=1e-10)


def test_eig_results_are_numpys():
    for a in (EIG_MATRIX, EIG_MATRIX.real, numpy.diag([1.0, 2.0, 3.0]) + numpy.triu(
            numpy.ones((3, 3)), 1)):
        w, v = np.linalg.eig(np.array(a))
        expected = numpy.linalg.eig(a)
        assert w.dtype == expected.eigenvalues.dtype and v.dtype == expected.eigenvectors.dtype
        numpy.testing.assert_array_equal(w.asnumpy(), expected.eigenvalues)
        numpy.testing.assert_array_equal(v.asnumpy(), expected.eigenvectors)
        assert np.linalg.eig(np.array(a)).eigenvectors.shape == (3, 3)
        numpy.testing.assert_array_equal(np.linalg.eigvals(np.array(a)).asnumpy(),
                                         numpy.linalg.eigvals(a))


@pytest.mark.parametrize("f", [lambda x: np.real(np.linalg.eigvals(x)).sum(),
                               lambda x: np.real(np.linalg.eig(x)[1] ** 2).sum()])
def test_eig_with_coinciding_eigenvalues_refuses_gradients(f):
    jordan = numpy.array([[2.0, 1.0], [0.0, 2.0]])
    with pytest.raises(NoDerivativeError, match="coincide"):
        gradient(f, numpy.eye(3))
    with pytest.raises(NoDerivativeError, match="coincide"):
        gradient(f, jordan)
    with pytest.raises(NoDerivativeError, match="coincide"):
        func.jvp(f, (np.array(jordan),), (np.array(numpy.ones((2, 2))),))
    numpy.testing.assert_array_equal(np.linalg.eigvals(np.array(jordan)).asnumpy(), [2, 2])


@pytest.mark.parametrize("f", [
    lambda x: np.real(np.linalg.eig(x)[1]).sum(),
    lambda x: np.imag(np.linalg.eigh(x)[1][0]).sum(),
    lambda x: np.real(np.linalg.svd(x)[0] * np.arange(3.0)).sum(),
])
def test_losses_that_depend_on_complex_vectors_phases_are_refused(f):
    b = RNG.standard_normal((3, 3)) + 1j * RNG.standard_normal((3, 3))
    with pytest.raises(NoDerivativeError, match="phases"):
        gradient(f, b + numpy.conj(b.T))


def test_phase_invariant_losses_of_complex_vectors_match_finite_differences():
    b = RNG.standard_normal((3, 3)) + 1j * RNG.standard_normal((3, 3))
    hermitian = b + numpy.conj(b.T)

    def eigh_loss(a):
        w, v = np.linalg.eigh(a)
        return np.abs(v[0] * np.conj(v[1])) * w

    def svd_loss(a):
        u, s, vh = np.linalg.svd(a)
        return np.real(u[:, :2] @ vh[:2] * s[0]) + np.abs(u) ** 2

    check_grads(eigh_loss, [hermitian], order=2)
    check_grads(svd_loss, [b], order=2)
    check_grads(lambda a: np.abs(np.linalg.eig(a)[1]), [b], order=2)


def test_hermitian_inputs_get_the_gradient_on_the_triangle_numpy_reads():
    b = RNG.standard_normal((3, 3)) + 1j * RNG.standard_normal((3, 3))
    a = b @ numpy.conj(b.T) + 3 * numpy.eye(3)
    for lower, f in [(True, lambda x: np.linalg.eigvalsh(x) @ numpy.arange(3.0)),
                     (False, lambda x: np.linalg.eigvalsh(x, UPLO="U") @ numpy.arange(3.0)),
                     (True, lambda x: np.abs(np.linalg.cholesky(x)).sum()),
                     (False, lambda x: np.abs(np.linalg.cholesky(x, upper=True)).sum())]:
        (grad,) = gradient(f, a)
        unread = numpy.triu(grad, 1) if lower else numpy.tril(grad, -1)
        assert numpy.all(unread == 0) and numpy.any(grad != 0)
        # the diagonal is read as its real part: no imaginary gradient there
        assert numpy.all(numpy.diag(grad).imag == 0)
    # d sum(w) = d tr(A): the identity, on the diagonal only
    (grad,) = gradient(lambda x: np.linalg.eigvalsh(x).sum(), a)
    numpy.testing.assert_allclose(grad, numpy.eye(3), atol=1e-12)


def test_slogdet_of_a_complex_matrix_has_a_phase_gradient():
    # det(e^(iθ) I) = e^(3iθ): d sign / dθ = 3i sign, so the sign's real part is -3 sin(3θ)
    theta = 0.3
    (grad,) = gradient(lambda t: np.real(np.linalg.slogdet(np.exp(1j * t) * numpy.eye(3))[0]),
                       numpy.array(theta))
    numpy.testing.assert_allclose(grad, -3 * numpy.sin(3 * theta), rtol=1e-12)


def test_lstsq_refuses_complex_gradients():
    a = RNG.standard_normal((3, 2)) + 1j * RNG.standard_normal((3, 2))
    x, *_ = np.linalg.lstsq(np.array(a), np.array(numpy.ones(3)))
    numpy.testing.assert_allclose(x.asnumpy(), numpy.linalg.lstsq(a, numpy.ones(3))[0])
    with pytest.raises(TypeError, match="'lstsq' has no derivative rules for complex"):
        gradient(lambda x: np.abs(np.linalg.lstsq(x, numpy.ones(3))[0]).sum(), a)
