"""ndgrad.viz.graph and autograd.explain on known programs, including the seed thread's."""

import io
import shutil
import subprocess

import numpy
import pytest

from ndgrad import autograd, np, viz
from ndgrad.errors import GraphReleasedError, NotRecordedError


def f64(values):
    return np.array(numpy.asarray(values, dtype=numpy.float64))


def kinds(picture):
    return sorted(node.kind for node in picture.nodes)


def labels_of(picture, kind):
    return [node.label for node in picture.nodes if node.kind == kind]


def detach_program():
    """The thread's [5, 12, 21, 32] program: u = x * y, v = u.detach(), z = v * x."""
    x, y = f64([1, 2, 3, 4]), f64([5, 6, 7, 8])
    x.attach_grad()
    with autograd.record():
        u = x * y
        v = u.detach()
        z = v * x
    return x, u, z


# -- the picture ---------------------------------------------------------------------------
def test_graph_of_the_head_gradient_example():
    x = f64([0, 1, 2, 3])
    x.attach_grad()
    with autograd.record():
        y = x * 2
    picture = viz.graph(y, head_grads=[f64([10, 1, 0.1, 0.01])], gradients=True)
    assert kinds(picture) == ["constant", "head", "head_gradient", "operation", "variable"]
    variable, = labels_of(picture, "variable")
    assert "grad_req=write" in variable and "[0., 1., 2., 3.]" in variable
    assert "grad = [20.  ,  2.  ,  0.2 ,  0.02]" in variable      # what backward gives
    assert labels_of(picture, "operation") == ["multiply"]
    assert "[10.  ,  1.  ,  0.1 ,  0.01]" in labels_of(picture, "head_gradient")[0]
    ids = {node.kind: node.id for node in picture.nodes}
    assert (ids["variable"], ids["operation"], "") in picture.edges
    assert (ids["operation"], ids["head"], "") in picture.edges
    assert (ids["head_gradient"], ids["head"], "multiplies d head") in picture.edges
    assert x.grad.asnumpy().tolist() == [0, 0, 0, 0]           # the picture wrote nothing
    y.backward(f64([10, 1, 0.1, 0.01]))                        # and kept the graph


def test_graph_draws_a_detach_cut_from_the_value_it_cut():
    _, _, z = detach_program()
    picture = viz.graph(z)
    assert kinds(picture).count("operation") == 2
    cut, = [node for node in picture.nodes if node.kind == "cut"]
    assert "detach()" in cut.label and "[ 5., 12., 21., 32.]" in cut.label
    cut_edges = [edge for edge in picture.edges if edge[2] == "cut by detach()"]
    assert len(cut_edges) == 1 and cut_edges[0][1] == cut.id
    assert "style=dashed" in picture.to_dot()


def test_graph_draws_a_pause_cut():
    x = f64([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y = x * 3
        with autograd.pause():
            scale = y + 1
        z = scale * x
    picture = viz.graph(z)
    cut, = [node for node in picture.nodes if node.kind == "cut"]
    assert "pause()" in cut.label
    assert any(edge[2] == "cut by pause()" for edge in picture.edges)


def test_graph_shows_a_variable_made_by_detach_and_its_cut():
    x = f64([0, 1, 2, 3])
    x.attach_grad()
    with autograd.record():
        u = x * 2
        v = u.detach()
        v.attach_grad()
        z = v + x
    picture = viz.graph(z)
    assert kinds(picture).count("variable") == 2
    assert any(edge[2] == "cut by detach()" for edge in picture.edges)


def test_graph_marks_an_attached_intermediate_which_keeps_its_history():
    # API.md 8: attach_grad() on an intermediate does not cut it from x (MXNet's zeros)
    x = f64([1, 2])
    x.attach_grad()
    with autograd.record():
        y = x * 2
        y.attach_grad()
        z = y * y
    picture = viz.graph(z)
    assert [label.splitlines()[:2] for label in labels_of(picture, "value")] == [
        ["y", "attached, grad_req=write"]]
    assert kinds(picture).count("variable") == 1 and "cut" not in kinds(picture)


def test_graph_refuses_what_it_cannot_draw():
    with pytest.raises(NotRecordedError):
        viz.graph(f64([1.0]))
    x = f64([1.0])
    x.attach_grad()
    with autograd.record():
        y = x * 2
    with pytest.raises(ValueError, match="head gradient of shape"):
        viz.graph(y, head_grads=[f64([1.0, 2.0])])
    y.backward()
    with pytest.raises(GraphReleasedError, match="retain_graph=True"):
        viz.graph(y)
    with pytest.raises(ValueError, match=".svg, .png, .pdf or .dot"):
        with autograd.record():
            z = x * 2
        viz.graph(z).render("picture.txt")


def test_render_writes_dot_text_without_graphviz(tmp_path):
    _, _, z = detach_program()
    path = viz.graph(z).render(tmp_path / "graph.dot")
    assert path.read_text().startswith("digraph ndgrad {")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_dot_text_parses_and_renders(tmp_path):
    _, _, z = detach_program()
    picture = viz.graph(z, gradients=True)
    finished = subprocess.run(["dot", "-Tsvg"], input=picture.to_dot().encode(),
                              capture_output=True, check=False)
    assert finished.returncode == 0, finished.stderr.decode()
    assert picture.render(tmp_path / "graph.svg").read_text().lstrip().startswith("<?xml")
    assert "<svg" in picture._repr_mimebundle_()["image/svg+xml"]


def test_without_graphviz_render_names_the_package(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    _, _, z = detach_program()
    with pytest.raises(RuntimeError, match="graphviz"):
        viz.graph(z).render(tmp_path / "graph.svg")
    assert "image/svg+xml" not in viz.graph(z)._repr_mimebundle_()



# -- names, parameters, legend, resolution ----------------------------------------------------
def names_of(picture):
    return {node.name: node for node in picture.nodes if node.kind != "operation" and node.name}


def test_graph_names_values_by_the_callers_variables():
    x = f64([1.0, 2.0, 3.0])
    x.attach_grad()
    with autograd.record():
        y = np.exp(x)
        z = np.sum(y * x)
    picture = viz.graph(z)
    named = names_of(picture)
    assert named["x"].kind == "variable" and named["x"].label.startswith("x\nvariable")
    assert named["y"].kind == "value" and named["z"].kind == "head"
    assert "v1" in named and named["v1"].kind == "value"        # y * x has no name: generated


def test_graph_leaves_an_array_with_two_names_unnamed():
    x = f64([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y = x * 2
    also_y = y
    picture = viz.graph(also_y)
    assert "y" not in names_of(picture) and "also_y" not in names_of(picture)
    assert names_of(picture)["x"].kind == "variable"


def test_graph_takes_explicit_names():
    a = f64([1.0, 2.0])
    a.attach_grad()
    with autograd.record():
        b = a * 2
    picture = viz.graph(b, names={"weights": a, "loss": b})
    assert set(names_of(picture)) == {"weights", "loss"}
    with pytest.raises(TypeError, match="dict from names to arrays"):
        viz.graph(b, names=[a])
    with pytest.raises(TypeError, match="not an ndgrad array"):
        viz.graph(b, names={"a": numpy.ones(2)})


def test_generated_names_never_clash_with_the_callers_variables():
    x = f64([1.0, 2.0])
    x.attach_grad()
    v1 = f64([5.0, 6.0])          # the user's v1, not in the graph, and its name is taken
    v2 = 3
    with autograd.record():
        z = np.sin(x * 2) * 3
    picture = viz.graph(z)
    generated = sorted(name for name in names_of(picture) if name not in ("x", "z"))
    assert generated == ["v3", "v4"]             # x * 2 and its sine
    assert v1.shape == (2,) and v2 == 3
    # with names= given too, the frame's names stay taken
    assert "v1" not in names_of(viz.graph(z, names={"x": x}))


def test_operations_show_their_parameters_and_the_function_called():
    x = f64(numpy.arange(12.0).reshape(3, 4))
    x.attach_grad()
    with autograd.record():
        part = x[1:, ::2]
        total = np.sum(part, axis=0)
        product = np.dot(x, f64(numpy.ones(4)))
        flat = np.reshape(x, (12,))
        other = np.tensordot(x, f64(numpy.ones((3, 4))), axes=2)
        z = np.sum(total) + np.sum(product) + np.sum(flat) + other
    operations = labels_of(viz.graph(z), "operation")
    assert "getitem\n[1:, ::2]" in operations
    assert "sum\naxis=(0,)" in operations and "sum" in operations
    assert "reshape\nshape=(12,)" in operations
    assert "dot" in operations                  # np.dot, though the graph holds a tensordot
    assert "tensordot\naxes=((0, 1), (0, 1))" in operations     # a true tensordot stays one
    dot_node, = [node for node in viz.graph(z).nodes if node.label == "dot"]
    assert dot_node.name == "tensordot"       # what the graph recorded


def test_values_the_graph_did_not_keep_are_shown_as_not_saved():
    x = f64([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y = x * 2                 # nobody saves y: multiply by a constant needs only 2
        z = y + 1
    picture = viz.graph(z)
    assert names_of(picture)["y"].label.splitlines()[-1] == "not saved"
    assert any(key == "not saved" for key, _ in picture.legend)


def test_the_legend_explains_the_colours_and_edge_labels_present():
    _, _, z = detach_program()
    picture = viz.graph(z)
    keys = [key for key, _ in picture.legend]
    assert {"variable", "operation", "cut", "head", "head_gradient"} <= set(keys)
    assert "cut by detach() / pause()" in keys and "multiplies d head" in keys
    assert "value" in keys and "attached" not in keys
    dot = picture.to_dot()
    assert "legend [shape=plaintext" in dot and "<B>legend</B>" in dot
    assert "legend" not in picture.to_dot(legend=False)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_png_is_drawn_at_twice_graphvizs_resolution_and_svg_as_vectors(tmp_path):
    _, _, z = detach_program()
    picture = viz.graph(z)

    def png_size(path):
        header = path.read_bytes()[16:24]
        return int.from_bytes(header[:4], "big"), int.from_bytes(header[4:], "big")

    plain = tmp_path / "plain.png"
    plain.write_bytes(subprocess.run(["dot", "-Tpng"], input=picture.to_dot().encode(),
                                     capture_output=True, check=True).stdout)
    width, height = png_size(plain)
    crisp = png_size(picture.render(tmp_path / "crisp.png"))
    assert crisp[0] == pytest.approx(2 * width, abs=4)
    assert crisp[1] == pytest.approx(2 * height, abs=4)
    assert png_size(picture.render(tmp_path / "one.png", scale=1)) == (width, height)
    svg = picture.render(tmp_path / "graph.svg").read_text()
    assert "<svg" in svg and "<image" not in svg            # vectors, no embedded bitmap
    with pytest.raises(ValueError, match="positive"):
        picture.render(tmp_path / "bad.png", scale=0)

# -- the chain rule, explained -------------------------------------------------------------
def test_explain_the_detach_case_partial_and_total():
    x, u, z = detach_program()
    out = io.StringIO()
    explanation = autograd.explain(z, x, file=out, names={"x": x, "u": u, "z": z})
    text = out.getvalue()
    assert text == str(explanation)
    numpy.testing.assert_allclose(explanation.gradient, [5, 12, 21, 32])
    assert "x -> multiply -> z" in text and "cut by detach()" in text
    assert "would give [10., 24., 42., 64.]" in text
    z.backward()
    numpy.testing.assert_allclose(x.grad.asnumpy(), explanation.gradient)


def test_explain_the_partial_derivative_case_y_versus_y_plus_one():
    x = np.arange(4.0)
    x.attach_grad()
    y = np.ones(4) * 2
    with autograd.record():
        u = x * y
        v = u.detach()
        v.attach_grad()
        z = v + x
    partial = autograd.explain(z, x, file=io.StringIO())
    numpy.testing.assert_allclose(partial.gradient, [1, 1, 1, 1])
    assert "would give [3., 3., 3., 3.]" in str(partial)               # y + 1
    z.backward()
    through_u = autograd.explain(u, x, head_grad=v.grad, file=io.StringIO())
    numpy.testing.assert_allclose(through_u.gradient, [2, 2, 2, 2])  # y, not y + 1
    assert "head gradient [1., 1., 1., 1.]" in str(through_u)


def test_explain_the_head_gradient_case():
    x = f64([0, 1, 2, 3])
    x.attach_grad()
    with autograd.record():
        y = x * 2
    explanation = autograd.explain(y, x, head_grad=f64([10, 1, 0.1, 0.01]), file=io.StringIO())
    numpy.testing.assert_allclose(explanation.gradient, [20, 2, 0.2, 0.02])
    assert "stands for dw/dy" in str(explanation)


def test_explain_sums_over_paths_and_handles_matrices():
    a = f64([[1.0, 2.0], [3.0, 4.0]])
    a.attach_grad()
    with autograd.record():
        b = a @ a                       # two paths from a to b
        c = np.sum(np.sin(b))
    explanation = autograd.explain(c, a, file=io.StringIO())
    text = str(explanation)
    assert "path 2" in text and "sum over the 2 paths" in text
    assert "\n      [[" in text                       # a full Jacobian gets lines of its own
    assert all(line == line.rstrip() for line in text.splitlines())
    assert explanation.derivative.shape == (1, 4)
    # in a REPL the text is already printed: the repr is short
    assert repr(explanation).startswith("<Explanation: gradient [") and "\n" not in repr(
        explanation)
    c.backward()
    numpy.testing.assert_allclose(explanation.gradient, a.grad.asnumpy(), rtol=1e-12)


def test_explain_refuses_what_it_cannot_explain():
    x = f64(numpy.ones(100))
    x.attach_grad()
    with autograd.record():
        y = x * 2
    with pytest.raises(ValueError, match="at most 64"):
        autograd.explain(y, x, file=io.StringIO())
    with pytest.raises(NotRecordedError):
        autograd.explain(y, f64([1.0]), file=io.StringIO())
