"""np.random: seeding, dtypes and shapes, samples as constants, NumPy's Generator interface,
in-place shuffling, and draws from several threads."""

import threading

import numpy
import pytest

from ndgrad import autograd, np, set_default_dtype
from ndgrad.errors import InPlaceModifiedError, NotRecordedError


def test_seed_makes_the_draws_repeat():
    np.random.seed(42)
    first = [np.random.rand(3), np.random.randn(2, 2), np.random.randint(0, 10, size=5),
             np.random.choice(5, 3), np.random.permutation(6), np.random.normal(size=2)]
    np.random.seed(42)
    second = [np.random.rand(3), np.random.randn(2, 2), np.random.randint(0, 10, size=5),
              np.random.choice(5, 3), np.random.permutation(6), np.random.normal(size=2)]
    for a, b in zip(first, second):
        numpy.testing.assert_array_equal(a.asnumpy(), b.asnumpy())


def test_default_rng_draws_what_numpy_draws_with_the_same_seed():
    ours, theirs = np.random.default_rng(7), numpy.random.default_rng(7)
    numpy.testing.assert_array_equal(ours.normal(size=4, dtype="float64").asnumpy(),
                                     theirs.normal(size=4))
    numpy.testing.assert_array_equal(ours.integers(0, 100, 5).asnumpy(),
                                     theirs.integers(0, 100, 5))
    numpy.testing.assert_array_equal(ours.random(3).asnumpy(),
                                     theirs.random(3).astype(numpy.float32))


def test_default_rng_returns_a_generator_given_to_it():
    generator = np.random.default_rng(0)
    assert np.random.default_rng(generator) is generator
    assert isinstance(generator, np.random.Generator)


@pytest.mark.parametrize("draw", [
    lambda: np.random.rand(2, 3), lambda: np.random.randn(2, 3),
    lambda: np.random.random((2, 3)), lambda: np.random.random_sample((2, 3)),
    lambda: np.random.uniform(-1, 1, (2, 3)), lambda: np.random.normal(0, 1, (2, 3)),
    lambda: np.random.default_rng(0).random((2, 3)),
    lambda: np.random.default_rng(0).standard_normal((2, 3)),
    lambda: np.random.default_rng(0).uniform(size=(2, 3)),
    lambda: np.random.default_rng(0).normal(size=(2, 3))])
def test_float_samples_take_the_default_float_dtype(draw):
    sample = draw()
    assert isinstance(sample, np.ndarray)
    assert sample.shape == (2, 3)
    assert sample.dtype == numpy.float32
    previous = set_default_dtype("float64")
    try:
        assert draw().dtype == numpy.float64
    finally:
        set_default_dtype(previous)


def test_an_explicit_dtype_wins_and_integers_are_int64():
    assert np.random.rand(2, dtype="float64").dtype == numpy.float64
    assert np.random.normal(size=2, dtype="float16").dtype == numpy.float16
    assert np.random.randint(5, size=3).dtype == numpy.int64
    assert np.random.randint(5, size=3, dtype="int32").dtype == numpy.int32
    assert np.random.default_rng(0).integers(5, size=3).dtype == numpy.int64
    assert np.random.permutation(4).dtype == numpy.int64


def test_no_shape_gives_one_sample_as_a_0d_array():
    for sample in (np.random.rand(), np.random.randn(), np.random.random(),
                   np.random.normal(), np.random.randint(3), np.random.choice(4)):
        assert isinstance(sample, np.ndarray) and sample.shape == ()


def test_bounds_are_respected():
    assert (np.random.uniform(2, 3, size=1000).asnumpy() >= 2).all()
    values = np.random.randint(3, 6, size=1000).asnumpy()
    assert set(values.tolist()) == {3, 4, 5}
    values = np.random.default_rng(1).integers(3, 5, size=1000, endpoint=True).asnumpy()
    assert set(values.tolist()) == {3, 4, 5}


def test_samples_are_constants_without_history():
    x = np.array([1.0, 2.0, 3.0])
    x.attach_grad()
    with autograd.record():
        noise = np.random.normal(size=3)
        y = (x * noise).sum()
    with pytest.raises(NotRecordedError):
        noise.backward()
    y.backward()
    numpy.testing.assert_array_equal(x.grad.asnumpy(), noise.asnumpy())


def test_choice_follows_the_probabilities_and_picks_from_the_array():
    numpy.testing.assert_array_equal(np.random.choice(3, 50, p=[0, 0, 1]).asnumpy(), [2] * 50)
    population = np.array([10.0, 20.0, 30.0])
    picked = np.random.choice(population, 2, replace=False).asnumpy()
    assert len(set(picked.tolist())) == 2 and set(picked.tolist()) <= {10.0, 20.0, 30.0}
    weights = np.array([0.5, 0.5, 0.0])
    assert 30.0 not in np.random.default_rng(0).choice(population, 40, p=weights).asnumpy()
    with pytest.raises(ValueError):
        np.random.choice(3, 2, p=[0.5, 0.6, 0.1])


def test_permutation_is_a_shuffled_copy():
    x = np.arange(10.0)
    permuted = np.random.permutation(x).asnumpy()
    numpy.testing.assert_array_equal(numpy.sort(permuted), numpy.arange(10.0))
    numpy.testing.assert_array_equal(x.asnumpy(), numpy.arange(10.0))
    numpy.testing.assert_array_equal(numpy.sort(np.random.permutation(5).asnumpy()),
                                     numpy.arange(5))


def test_shuffle_works_in_place_along_the_first_axis():
    np.random.seed(3)
    x = np.array(numpy.arange(12.0).reshape(6, 2))
    assert np.random.shuffle(x) is None
    rows = x.asnumpy()
    assert not numpy.array_equal(rows, numpy.arange(12.0).reshape(6, 2))
    numpy.testing.assert_array_equal(numpy.sort(rows[:, 0]), numpy.arange(0, 12, 2))
    numpy.testing.assert_array_equal(rows[:, 1] - rows[:, 0], 1)     # rows stay whole
    raw = numpy.arange(5)
    np.random.default_rng(0).shuffle(raw)
    numpy.testing.assert_array_equal(numpy.sort(raw), numpy.arange(5))


def test_shuffle_is_refused_inside_a_recorded_graph():
    x = np.arange(4.0)
    x.attach_grad()
    with autograd.record(), pytest.raises(InPlaceModifiedError, match="shuffle"):
        np.random.shuffle(x)
    np.random.shuffle(x)                           # outside record() it is fine


def test_a_shuffle_after_recording_is_caught_by_backward():
    x = np.arange(1.0, 5.0)
    x.attach_grad()
    with autograd.record():
        y = x * x
    np.random.shuffle(x)
    with pytest.raises(InPlaceModifiedError):
        y.backward()


def test_bernoulli_masks_come_from_uniform():
    np.random.seed(0)
    mask = np.random.uniform(size=10000) < 0.3
    assert mask.dtype == numpy.bool_
    assert abs(mask.asnumpy().mean() - 0.3) < 0.02


def test_threads_share_the_seeded_stream_without_losing_draws():
    # A double costs one step of the stream however draws are split, so the threads' draws,
    # pooled, are exactly the seeded stream's first values if no draw was lost or repeated.
    np.random.seed(11)
    pools = [[] for _ in range(4)]

    def draw(pool):
        for _ in range(50):
            pool.append(np.random.random(100, dtype="float64").asnumpy())

    threads = [threading.Thread(target=draw, args=(pool,)) for pool in pools]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pooled = numpy.sort(numpy.concatenate([part for pool in pools for part in pool]))
    numpy.testing.assert_array_equal(pooled, numpy.sort(numpy.random.default_rng(11).random(
        20000)))
