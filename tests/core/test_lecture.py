"""core.lecture: the chapter files, the plan on a network, and the maths each step shows (Qt-free)."""

import numpy as np
import pytest

from core.lecture import backward, batch, convolution, driver, forward
from core.lecture.chapters import LectureError, load_lecture, parse_chapter
from core.lecture.latex import colourise, inline_html, unicode_to_latex
from core.lecture.plan import plan_lecture
from core.lecture.roles import Roles
from core.lecture.softmax_example import example
from core.spec import parse_spec
from core.workspace import Workspace
from plugins.conv2d import Conv2D
from tests.conftest import tiny_dataset
from tests.plugins.test_lecture_claims import G2_BLUR, G3_VERTICAL_EDGES, _total_variation

LECTURE_EQUATIONS = [r"a^{(1)} = \text{pool}(f(g^{(1)} * x))", r"a^{(2)} = \text{pool}(f(g^{(2)} * a^{(1)}))",
                     r"a^{(3)} = f(W^{(1)} a^{(2)})", r"\hat{y} = \text{softmax}(W^{(2)} a^{(3)})"]


@pytest.fixture(scope="module")
def stepped():
    """The lecture network, batch 6, stepped to just before the update."""
    ws = Workspace(batch_size=6)
    for _ in ws.phases[:-1]:
        ws.step_phase()
    return ws


def test_chapters_load_one_per_video_with_unique_steps():
    chapters = load_lecture()
    assert [c.id for c in chapters] == ["12.1", "12.2", "12.3", "12.4", "12.5"]
    ids = [s.id for c in chapters for s in c.steps]
    assert len(ids) == len(set(ids)) and "table-lookup" in ids and "step-9" in ids and "update-g2" in ids


def test_every_step_applies_to_the_lecture_network_and_every_placeholder_is_filled(stepped):
    plans = plan_lecture(load_lecture(), stepped.network.nodes)
    assert all(p.applies for p in plans), [(p.id, p.reason) for p in plans if not p.applies]
    for p in plans:
        assert p.step.placeholders() <= set(p.values), (p.id, p.step.placeholders() - set(p.values))
        assert p.phase is None or p.phase in stepped.phases


def test_the_nine_steps_in_the_lecture_order_with_their_phases():
    plans = {p.id: p for p in plan_lecture(load_lecture(), Workspace(batch_size=2).network.nodes)}
    got = [(plans[f"step-{k}"].kind.quantity.label, plans[f"step-{k}"].phase) for k in range(1, 10)]
    assert got == [("∂L/∂ŷ", "backward:fc2"), ("∂L/∂z⁽⁴⁾", "backward:fc2"), ("∂L/∂W⁽²⁾", "backward:fc2"),
                   ("∂L/∂z⁽³⁾", "backward:sig3"), ("∂L/∂W⁽¹⁾", "backward:fc1"), ("∂L/∂z⁽²⁾", "backward:sig2"),
                   ("∂L/∂g⁽²⁾", "backward:conv2"), ("∂L/∂z⁽¹⁾", "backward:sig1"), ("∂L/∂g⁽¹⁾", "backward:conv1")]
    assert [plans[f"step-{k}"].frames for k in range(1, 10)] == [1, 3, 4, 4, 4, 4, 4, 4, 4]


def test_forward_equations_are_the_lectures_four_each_naming_its_phases():
    roles = Roles(Workspace(batch_size=2).network.nodes)
    assert forward.equations(roles) == LECTURE_EQUATIONS
    assert forward.block_phases(roles, 1) == ["forward:conv1", "forward:sig1", "forward:pool1"]
    assert forward.block_phases(roles, 4) == ["forward:fc2", "loss"]


def test_table_lookup_counts():
    m, e = forward.table_count(54)
    assert (round(m, 1), e) == (1.1, 130)
    m, e = forward.table_count(28 * 28)
    assert e == 1888 and 1 <= m < 10
    assert 0.5e24 < forward.humans_seen() < 1e24


def test_k5_example_gives_the_lectures_numbers():
    ex = example()
    np.testing.assert_allclose(ex.dl_dz, [-0.5, 0, 0.1, 0.2, 0.1])
    np.testing.assert_allclose(ex.dl_dz_chain, ex.dl_dz, atol=1e-15)  # ∂L/∂ŷ · ∂ŷ/∂z term by term
    np.testing.assert_allclose(ex.dl_dyhat, [-2, 0, 0, 0, 0])
    assert ex.loss == pytest.approx(np.log(2))
    r1, r2 = ex.remarks()
    assert "penguin" in r1 and "decreases the loss" in r1 and "chair, person, bird" in r2
    assert "sum to 0.9" in ex.softmax_note()
    other = example([0.1, 0.2, 0.3, 0.3, 0.1], true=2)
    np.testing.assert_allclose(other.dl_dz, [0.1, 0.2, -0.7, 0.3, 0.1])


def test_convolution_explorer_reproduces_the_lecture_claims():
    rng = np.random.default_rng(1)
    image = rng.random((32, 32))
    np.testing.assert_array_equal(convolution.cross_correlation(image, convolution.KERNELS["g1"], padding=1), image)
    blurred = convolution.cross_correlation(image, convolution.KERNELS["g2"])
    np.testing.assert_array_equal(convolution.KERNELS["g2"], G2_BLUR)
    assert _total_variation(blurred) < 0.5 * _total_variation(image[1:-1, 1:-1])
    step = np.zeros((8, 8))
    step[:, 4:] = 1.0
    edges = convolution.cross_correlation(step, convolution.KERNELS["g3"])
    np.testing.assert_array_equal(convolution.KERNELS["g3"], G3_VERTICAL_EDGES)
    np.testing.assert_allclose(edges[:, [2, 3]], 4.0)
    # the lecture's true convolution flips g: for g₃ that flips the sign; g₁, g₂ are symmetric
    np.testing.assert_allclose(convolution.true_convolution(step, G3_VERTICAL_EDGES), -edges)
    np.testing.assert_allclose(convolution.true_convolution(image, G2_BLUR), blurred)
    # and the numpy sums are what the conv layer itself computes
    np.testing.assert_allclose(convolution.engine_cross_correlation(Conv2D, image, G3_VERTICAL_EDGES),
                               convolution.cross_correlation(image, G3_VERTICAL_EDGES), rtol=1e-12)
    w = convolution.window(step, G3_VERTICAL_EDGES, 3, 2)
    assert w.value == pytest.approx(edges[3, 2]) and len(w.terms()) == 9
    assert convolution.window(step, G3_VERTICAL_EDGES, 3, 2, true=True).value == pytest.approx(-4.0)


def test_a_kernel_goes_into_a_filter_centred():
    k = np.arange(9.0).reshape(3, 3)
    f = convolution.into_filter(k, (2, 5, 5))
    assert f.shape == (2, 5, 5) and f[1, 1:4, 1:4].tolist() == k.tolist() and f.sum() == 2 * k.sum()
    assert convolution.into_filter(k, (1, 1, 1))[0, 0, 0] == 4.0  # a smaller filter keeps the centre


def test_every_backward_chain_multiplies_out_to_the_engines_value(stepped):
    view = stepped.view()
    roles = Roles(view.nodes)
    for sk in roles.steps():
        for s in range(view.batch_size):
            ch = backward.chain(view, roles, sk, s)
            product, partials = backward.multiply_out(ch, view, roles)
            scale = np.abs(ch.result).max()
            np.testing.assert_allclose(product, ch.result, atol=1e-5 * scale, err_msg=f"step {sk.number}")
            for got, (_, key, want) in zip(partials, ch.partials):
                np.testing.assert_allclose(got.ravel(), want.ravel(), atol=1e-5 * np.abs(want).max(), err_msg=key)
    ch = backward.chain(view, roles, roles.steps()[1], 0)  # ∂L/∂z⁽⁴⁾ = ŷ − y exactly
    y = np.eye(10)[int(view.y[0])]
    np.testing.assert_allclose(ch.result, view.arrays["probs"][0] - y, atol=1e-6)


def test_the_batch_per_sample_gradients_average_to_the_update_gradient(stepped):
    view = stepped.view()
    for layer in ("conv1", "conv2"):
        bg = batch.batch_gradients(view, layer)
        np.testing.assert_allclose(bg.mean, bg.engine_mean, atol=1e-6 * np.abs(bg.engine_mean).max())
        for s in range(view.batch_size):  # the slide's sum(x ⊙ ∂L/∂z), one kernel entry
            prod = batch.window_product(bg.inputs[s], bg.errors[s], 2, 0, 1, 3)
            assert prod.sum() == pytest.approx(bg.per_sample[s, 2, 0, 1, 3], rel=1e-4, abs=1e-9)


def test_driver_runs_only_what_a_step_needs_and_replays_the_same_numbers():
    ws = Workspace(batch_size=4)
    assert driver.ensure(ws, None) == []
    assert driver.ensure(ws, "forward:pool1") == ["forward:conv1", "forward:sig1", "forward:pool1"]
    assert driver.ensure(ws, "forward:sig1") == []  # done already in this iteration
    first = np.array(ws.view().arrays["pool1.out"])
    assert driver.replay(ws, "forward:pool1") == ["forward:conv1", "forward:sig1", "forward:pool1"]
    np.testing.assert_array_equal(ws.view().arrays["pool1.out"], first)
    driver.ensure(ws, "update")
    assert ws.stepper.position == 0 and driver.ensure(ws, "forward:conv1") == []  # the complete iteration
    probs = np.array(ws.view().arrays["probs"])
    ran = driver.replay(ws, "loss")  # the same iteration again, from its recorded start
    assert ran[-1] == "loss" and ws.stepper.iteration == 0
    np.testing.assert_array_equal(ws.view().arrays["probs"], probs)


def test_another_network_says_which_steps_do_not_apply():
    spec = parse_spec({"format": "backstep.network/1", "name": "small", "input": {"shape": [1, 28, 28]},
                       "layers": [{"name": "c", "type": "conv2d", "out_channels": 2, "kernel_size": 3},
                                  {"name": "r", "type": "relu"},
                                  {"name": "p", "type": "maxpool2d"},
                                  {"name": "fl", "type": "flatten"},
                                  {"name": "d", "type": "dense", "out_features": 10}]})
    ws = Workspace(spec, dataset=tiny_dataset(), batch_size=3)
    plans = {p.id: p for p in plan_lecture(load_lecture(), ws.network.nodes)}
    # its steps: ∂L/∂ŷ, ∂L/∂z⁽²⁾, ∂L/∂W⁽¹⁾, ∂L/∂z⁽¹⁾ (back through W⁽¹⁾, flatten, pool, ReLU), ∂L/∂g⁽¹⁾
    assert not plans["step-6"].applies and "5 backward steps" in plans["step-6"].reason
    assert plans["step-4"].applies and plans["step-4"].values["fprime"] == r"[\, z^{(1)} > 0 \,]"
    assert not plans["step-5"].applies and "∂L/∂g⁽¹⁾" in plans["step-5"].reason
    assert not plans["batch-g2"].applies and "conv 2" in plans["batch-g2"].reason
    assert not plans["forward-3"].applies and plans["forward-4"].applies
    assert plans["step-3"].applies and plans["batch-g1"].applies and plans["sigmoid"].applies
    for _ in ws.phases[:-1]:
        ws.step_phase()
    view = ws.view()
    roles = Roles(view.nodes)
    for sk in roles.steps():
        ch = backward.chain(view, roles, sk, 1)
        np.testing.assert_allclose(backward.multiply_out(ch, view, roles)[0], ch.result,
                                   atol=1e-5 * np.abs(ch.result).max())


def test_a_malformed_chapter_names_its_line():
    with pytest.raises(LectureError, match="x.md:3: a step heading"):
        parse_chapter("# 12.9 T\n\n## Bad Heading\n", "x.md")
    with pytest.raises(LectureError, match="never closed"):
        parse_chapter("# 12.9 T\n## a: A\n$$ x\n", "x.md")
    ch = parse_chapter("# 12.9 T\n## a: A\nfigure: none\nk: v\n\nText $x$.\n\n$$ z = W x $$\n\n> note\n", "x.md")
    s = ch.steps[0]
    assert s.meta == {"figure": "none", "k": "v"} and [b.kind for b in s.blocks] == ["text", "math", "note"]


def test_symbols_take_their_colours_in_formulas_and_text():
    tex = colourise(r"\frac{\partial L}{\partial z^{(3)}} = W_{ij}^{(2)} \hat{y} \exp(x) \text{sum} \as{x}{f}")
    assert r"{\color{#c62828}L}" in tex and r"{\color{#1565c0}z^{(3)}}" in tex
    assert r"{\color{#bf360c}W_{ij}^{(2)}}" in tex and r"{\color{#00838f}\hat{y}}" in tex
    assert r"\exp({\color{#2e7d32}x})" in tex and r"\text{sum}" in tex and r"{\color{#2e7d32}f}" in tex
    html = inline_html(r"g^{(1)} - \alpha")
    assert "color:#e65100" in html and "<sup>(1)</sup>" in html and "α" in html
    assert unicode_to_latex("∂L/∂z⁽ˡ⁾ = ∂L/∂a⁽ˡ⁾ · f(z⁽ˡ⁾)") == \
        r"\frac{\partial L}{\partial z^{(l)}} = \frac{\partial L}{\partial a^{(l)}} \cdot  f(z^{(l)})"
