"""The fuzz tier, programs: random programs of 1 to 30 registered ops, checked against central
finite differences in float64.

Each step of a program is one case of the op table (tests/ops/specs.py and the rows_<family>
modules), so a new op with a row is fuzzed with no change here. A step's operands are fresh
variables, drawn by the row's own sampler (inside the op's domain, away from its kinks), each
nudged by ``COUPLING * sin(v * scale)`` of a value ``v`` computed earlier (an earlier op's result, a written
buffer or a variable, fitted to the operand's shape by cyclic indexing): the nudge is at most
0.02, under the samplers' margin of 0.06, so every operand stays where finite differences hold,
and every step's gradient reaches the variables of all the steps it depends on.

Around the ops, a program draws what users do: ``detach()`` of a nudge's source, a whole op
under ``pause()``, a write into a copy of a result while recording, nudges passed as Python
lists (``np.sum([a, b], axis=0)``, ``np.array([a, b])``), each variable's ``grad_req``
("write", "add" with a gradient already in the buffer, "null"), and in-place updates of
variables outside recording (``v += d``, ``v[...] = w``) before the forward.

The oracle is the same program run outside recording, where a cut (detach, pause) is the value
it had in the recorded run held fixed: the function whose derivative the cut defines. The loss
is a fixed random weighting of every float result. ``autograd.grad`` and ``backward`` must
both give its gradient, and ``grad_req`` says what the buffers then hold.

The bounded profile (``make test``) draws few programs; ``make fuzz`` runs many
(HYPOTHESIS_PROFILE=fuzz, tests/conftest.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy
from hypothesis import given, settings
from hypothesis import strategies as st

from ndgrad import autograd, np
from ndgrad._pytree import flatten

from ops.specs import CASE_IDS, CASES

COUPLING = 0.02      # the largest nudge: under the samplers' margin of 0.06
UPDATE = 0.01        # the largest in-place update of a variable outside recording
EPS = 1e-6           # central-difference step, in float64
RTOL, ATOL = 1e-5, 1e-7
MAX_STEPS = 30
# finite differences at EPS need float64 results: cases asking for another dtype are left out
FLOAT64_CASES = [i for i, (_, variant) in enumerate(CASES)
                 if numpy.dtype(variant.get("dtype", "float64")) == numpy.float64]


@dataclass(frozen=True)
class Step:
    case: int                        # index into CASES
    shapes: tuple                    # operand shapes for the row
    seed: int                        # the row's sampler and the loss weights
    sources: tuple                   # per operand: None, or an index (mod the pool) to nudge by
    via: str                         # how the nudge reaches the operand: "direct", "list-sum", "list-array"
    cut: str                         # "none", "detach" (the nudge's source) or "pause" (the op)
    write: tuple | None              # (start, stop, step, source) written into a copy, or None


@dataclass
class Program:
    steps: list[Step]
    first_shape: tuple               # shape of x0: in the loss, and the first nudges' source
    grad_reqs: list[str] = field(default_factory=list)     # one per variable
    updates: list[str] = field(default_factory=list)       # one per variable: none/iadd/set


@st.composite
def programs(draw) -> Program:
    count = draw(st.integers(1, MAX_STEPS), label="steps")
    steps = []
    for _ in range(count):
        case = draw(st.sampled_from(FLOAT64_CASES), label="case")
        spec, variant = CASES[case]
        shapes = draw(spec.operand_shapes(variant), label=CASE_IDS[case])
        sources = tuple(draw(st.none() | st.integers(0, 10**6)) for _ in shapes)
        write = draw(st.none() | st.tuples(st.integers(-3, 3), st.integers(-3, 3),
                                           st.sampled_from((1, 2, -1)), st.integers(0, 10**6)))
        steps.append(Step(case, tuple(shapes), draw(st.integers(0, 2**32 - 1)), sources,
                          draw(st.sampled_from(("direct", "direct", "list-sum", "list-array"))),
                          draw(st.sampled_from(("none", "none", "none", "detach", "pause"))),
                          write))
    program = Program(steps, draw(st.sampled_from(((), (3,), (2, 3)))))
    variables = 1 + sum(len(step.shapes) for step in steps)
    program.grad_reqs = draw(st.lists(st.sampled_from(("write", "write", "add", "null")),
                                      min_size=variables, max_size=variables))
    program.updates = draw(st.lists(st.sampled_from(("none", "none", "iadd", "set")),
                                    min_size=variables, max_size=variables))
    return program


def initial_values(program: Program) -> list[numpy.ndarray]:
    """x0 and every step's operands, from the rows' samplers (float64)."""
    values = [numpy.random.default_rng(0).standard_normal(program.first_shape)]
    for step in program.steps:
        spec, _ = CASES[step.case]
        sampled = spec.sample(numpy.random.default_rng(step.seed), list(step.shapes))
        # programs are real: a complex row's operands enter as their real parts
        values.extend(numpy.real(numpy.asarray(v)).astype(numpy.float64) for v in sampled)
    return values


def fit(value, shape):
    """``value``'s elements, cycled, in ``shape`` (None where either side is empty)."""
    size = int(numpy.prod(shape))
    flat = np.reshape(value, (-1,))
    if size == 0 or flat.shape[0] == 0:
        return None
    return np.reshape(flat[numpy.arange(size) % flat.shape[0]], shape)


def float_leaves(out) -> list:
    return [leaf for leaf in flatten(tuple(out) if isinstance(out, tuple) else out)[0]
            if isinstance(leaf, np.ndarray) and leaf.dtype.kind == "f"]


def weights(seed: int, index: int, shape) -> numpy.ndarray:
    return numpy.random.default_rng([seed, index]).standard_normal(shape)


def execute(program: Program, variables: list, cuts: dict | None) -> np.ndarray:
    """The program's loss. Recorded when called inside record(); ``cuts`` None records what
    each cut holds fixed into a new dict (returned through ``execute.cuts``), a dict replays
    it (the oracle)."""
    held = {} if cuts is None else cuts
    pool = [variables[0]]
    loss = np.sum(variables[0] * weights(0, 0, variables[0].shape))   # so the loss is recorded
    position = 1
    for index, step in enumerate(program.steps):
        spec, variant = CASES[step.case]
        operands = []
        for j, source in enumerate(step.sources):
            operand = variables[position]
            position += 1
            if source is not None:
                nudge = _nudge(step, index, j, pool, source, operand.shape, held, cuts)
                if nudge is not None:
                    operand = operand + squashed(nudge, (index, j, "scale"), held, cuts)
            operands.append(operand)
        if step.cut == "pause":
            with autograd.pause():
                results = float_leaves(spec.fn(*operands, **variant))
            # a result that is an operand itself (atleast_1d of a 1-d array) keeps its history
            if cuts is None:
                held[(index, "pause")] = [
                    None if any(r is o for o in operands) else r.asnumpy().copy()
                    for r in results]
            results = [r if kept is None else np.array(kept)
                       for r, kept in zip(results, held[(index, "pause")])]
        else:
            results = float_leaves(spec.fn(*operands, **variant))
        for k, result in enumerate(results):
            loss = loss + np.sum(result * weights(step.seed, k, result.shape))
        pool.extend(results)
        if step.write is not None and results and results[0].ndim >= 1:
            written = results[0] * 1.0
            start, stop, stride, source = step.write
            key = slice(start, stop, stride)
            value = fit(pool[source % len(pool)], written[key].shape)
            if value is not None:
                written[key] = squashed(value, (index, "write"), held, cuts)
            loss = loss + np.sum(written * weights(step.seed, 99, written.shape))
            pool.append(written)
    execute.cuts = held
    return loss


def squashed(value, key, held, cuts):
    """``COUPLING * sin(value * scale)``, at most COUPLING: ``scale`` (held fixed, as a cut)
    brings the recorded value within [-1, 1], so a large value with a steep slope (polygamma
    near a pole) does not make the nudge oscillate faster than finite differences resolve."""
    if cuts is None:
        held[key] = 1.0 / max(1.0, float(numpy.max(numpy.abs(value.detach().asnumpy()))))
    return COUPLING * np.sin(value * held[key])


def _nudge(step, index, j, pool, source, shape, held, cuts):
    """The value an operand is nudged by: an earlier value, fitted to the operand's shape,
    through a Python list when the step says so, detached when it says so."""
    if step.cut == "detach":
        key = (index, j)
        if cuts is None:
            value = fit(pool[source % len(pool)], shape)
            value = None if value is None else value.detach()
            held[key] = None if value is None else value.asnumpy().copy()
            return value
        return None if cuts[key] is None else np.array(cuts[key])
    first = fit(pool[source % len(pool)], shape)
    if first is None or step.via == "direct":
        return first
    second = fit(pool[(source + 1) % len(pool)], shape)
    second = first if second is None else second
    if step.via == "list-sum":
        return np.sum([first, second], axis=0)
    return np.array([first, second])[1] - first * 0.5


def prepare(program: Program, values: list[numpy.ndarray]):
    """The variables, with their grad_req, a gradient already in the "add" buffers, and the
    in-place updates outside recording applied. Returns the variables, the values they hold
    after the updates, and what each "add" buffer held."""
    rng = numpy.random.default_rng(7)
    variables, current, before = [], [], []
    for value, grad_req, update in zip(values, program.grad_reqs, program.updates):
        variable = np.array(value)
        variable.attach_grad(grad_req=grad_req)
        delta = UPDATE * rng.uniform(-1, 1, value.shape)
        if update == "iadd":
            variable += delta
        elif update == "set":
            variable[...] = value + delta
        current.append(value + delta if update != "none" else value)
        if grad_req == "add":
            variable.grad[...] = rng.standard_normal(value.shape)
        before.append(None if variable.grad is None else variable.grad.asnumpy().copy())
        variables.append(variable)
    return variables, current, before


def assert_close(what, analytic, numeric, loss_size):
    """Within RTOL, or within the rounding a central difference of a loss of ``loss_size``
    carries (a loss of 1e5, polygamma near a pole, leaves ~1e-5 of noise at EPS)."""
    rounding = 100 * numpy.finfo(numpy.float64).eps * loss_size / EPS
    if abs(analytic - numeric) > ATOL + rounding + RTOL * max(abs(analytic), abs(numeric)):
        raise AssertionError(f"{what}: {analytic!r} against the central difference {numeric!r}")


# a quarter of the profile's examples: 25 in make test, 500 in make fuzz (tests/conftest.py)
@settings(max_examples=max(1, settings.default.max_examples // 4), deadline=None)
@given(program=programs())
def test_random_programs_have_the_gradients_of_finite_differences(program):
    values = initial_values(program)
    if program.grad_reqs[0] == "null":
        program.grad_reqs[0] = "write"      # x0 reaches the loss: there is a gradient to take
    variables, current, before = prepare(program, values)
    for variable, value in zip(variables, current):
        numpy.testing.assert_array_equal(variable.asnumpy(), value)

    with numpy.errstate(all="ignore"), autograd.record():
        loss = execute(program, variables, None)
    cuts = execute.cuts
    wanted = [i for i, req in enumerate(program.grad_reqs) if req != "null"]
    by_grad = autograd.grad(loss, [variables[i] for i in wanted], retain_graph=True)
    loss.backward()

    for i, variable in enumerate(variables):
        if program.grad_reqs[i] == "null":
            assert variable.grad is None
    for g, i in zip(by_grad, wanted):
        expected = g.asnumpy() + (before[i] if program.grad_reqs[i] == "add" else 0)
        numpy.testing.assert_allclose(variables[i].grad.asnumpy(), expected, rtol=1e-12,
                                      atol=1e-12, err_msg=f"variable {i}, grad_req "
                                      f"{program.grad_reqs[i]}: backward against autograd.grad")

    def oracle(shift: list[numpy.ndarray]) -> float:
        with numpy.errstate(all="ignore"):
            return execute(program, [np.array(v + d) for v, d in zip(current, shift)],
                           cuts).item()

    rng = numpy.random.default_rng(program.steps[0].seed)
    for attempt in range(2):
        direction = [rng.standard_normal(v.shape) if i in wanted else numpy.zeros(v.shape)
                     for i, v in enumerate(current)]
        length = numpy.sqrt(sum(float(numpy.sum(d * d)) for d in direction)) or 1.0
        direction = [d / length for d in direction]
        plus, minus = oracle([EPS * d for d in direction]), oracle([-EPS * d for d in direction])
        analytic = sum(float(numpy.vdot(g.asnumpy(), direction[i]))
                       for g, i in zip(by_grad, wanted))
        assert_close(f"direction {attempt}: <gradient, direction>", analytic,
                     (plus - minus) / (2 * EPS), max(abs(plus), abs(minus)))
