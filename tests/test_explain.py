import numpy as np
import pytest

import neuronlab as nl
from neuronlab.apps.explain import LEARNING_RATES, explain


def test_default_lesson_network_by_hand():
    e = explain()
    s = lambda z: 1 / (1 + np.exp(-z))
    h1, h2 = s(0.5 + 1), s(0.5 - 1)  # thresholds -1 and 1, input 0.5
    out = h1 - h2
    assert e.layers[0]["a"].tolist() == pytest.approx([h1, h2], rel=1e-15)
    assert e.loss == pytest.approx((out - 1.0) ** 2, rel=1e-15)
    dz_out = 2 * (out - 1.0)
    assert e.layers[1]["dL_dW"][:, 0].tolist() == pytest.approx([h1 * dz_out, h2 * dz_out], rel=1e-14)
    assert e.layers[0]["dL_dz"].tolist() == pytest.approx([dz_out * h1 * (1 - h1), -dz_out * h2 * (1 - h2)], rel=1e-14)
    assert e.new_loss < e.loss
    formulas = dict(e.layers[1]["formulas"])
    assert formulas["dL/dout"] == f"2·(a - y)/1 = 2·({out:.4g} - 1)/1 = {2 * (out - 1):.4g}"


def test_every_gradient_agrees_with_backward_central_difference_and_pytorch(torch):
    net = nl.mlp([2, 3, 2], activation="tanh", output_activation="sigmoid", seed=4)
    x, y = [0.3, -1.2], [0.2, 0.9]
    e = explain(net, x, y, lr=0.1)
    assert len(e.checks) == net.n_parameters()
    for c in e.checks:
        assert c["backprop"] == pytest.approx(c["autograd"], rel=1e-12, abs=1e-15)
        assert c["backprop"] == pytest.approx(c["central_difference"], rel=1e-6, abs=1e-9)
    module = net.to_torch()
    loss = ((module(torch.tensor([x])) - torch.tensor([y])) ** 2).mean()
    loss.backward()
    assert e.loss == pytest.approx(loss.item(), rel=1e-14)
    linear = [m for m in module if isinstance(m, torch.nn.Linear)]
    for l, m in enumerate(linear):
        np.testing.assert_allclose(e.layers[l]["dL_dW"], m.weight.grad.numpy().T, rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(e.layers[l]["dL_db"], m.bias.grad.numpy(), rtol=1e-9, atol=1e-15)


def test_the_step_is_plain_gradient_descent_and_the_network_is_untouched():
    net = nl.mlp([1, 2, 1], activation="sigmoid", seed=0)
    before = net.state_dict()
    e = explain(net, 0.7, -0.2, lr=0.3)
    assert all(np.array_equal(before[k], v) for k, v in net.state_dict().items())
    np.testing.assert_allclose(e.new_parameters["W1"], before["0.W"] - 0.3 * e.layers[0]["dL_dW"], rtol=1e-15)
    moved = net.copy()
    for l, layer in enumerate(moved.layers):
        layer.W.data[...] = e.new_parameters[f"W{l + 1}"]
        layer.b.data[...] = e.new_parameters[f"b{l + 1}"]
    assert e.new_loss == pytest.approx(float(np.mean((moved.predict([[0.7]]) + 0.2) ** 2)), rel=1e-14)
    assert isinstance(e.to_dict()["layers"][0]["z"], list)


def test_printed_tables_carry_the_numbers():
    from io import StringIO

    from rich.console import Console

    out = StringIO()
    explain().print(Console(file=out, width=140))
    text = out.getvalue()
    # the loss before and after the step, worked out without the engine: the lesson's network written as
    # a formula of its 7 parameters, its gradient by central differences, one step of lr 0.2 at x=0.5, y=1
    s = lambda z: 1 / (1 + np.exp(-z))

    def loss(p):
        w1, w2, b1, b2, v1, v2, c = p
        return (v1 * s(w1 * 0.5 + b1) + v2 * s(w2 * 0.5 + b2) + c - 1.0) ** 2

    start = np.array([1.0, 1.0, 1.0, -1.0, 1.0, -1.0, 0.0])  # thresholds -1 and 1, output weights 1 and -1
    h = 1e-6
    gradient = np.array([(loss(start + h * e) - loss(start - h * e)) / (2 * h) for e in np.eye(7)])
    before, after = loss(start), loss(start - 0.2 * gradient)
    assert f"{before:.4g} -> {after:.4g}" in text  # 0.3136 -> 0.0177
    assert "dL/dW1[x->h1]" in text and "a(1-a)" in text and "central" in text


def test_the_default_step_is_the_lessons_and_lowers_the_loss_where_0_5_overshoots():
    from neuronlab import lesson
    from neuronlab.apps.cli import build_parser
    from neuronlab.apps.explain import DEFAULT_LR

    e = explain()
    assert e.lr == DEFAULT_LR == 0.2 and build_parser().parse_args(["explain"]).lr in (None, DEFAULT_LR)
    assert e.layers[-1]["names"] == ["out"]  # the output neuron is "out"; y is the target
    assert "W2[h1->out]" in [c["name"] for c in e.checks]
    assert e.new_loss < e.loss / 10  # 0.3136 -> 0.0177
    overshoot = explain(lr=0.5)  # jumps past the minimum along the gradient: lower, but far less
    assert e.new_loss < overshoot.new_loss < overshoot.loss
    title = lesson.backprop().axes[1].get_title()  # the lesson's figure shows the same step
    assert f"loss {e.loss:.4g} -> {e.new_loss:.4g}" in title


def test_formulas_bracket_negative_factors_and_never_write_minus_zero():
    net = nl.Network(
        [
            nl.Dense(1, 1, "relu", weights=[[1.0]], bias=[-5.0]),  # a dead relu: slope 0, products 0
            nl.Dense(1, 1, "linear", weights=[[-2.0]], bias=[0.0]),
        ]
    )
    e = explain(net, x=[0.5], y=[1.0], lr=0.1)
    formulas = dict(e.layers[0]["formulas"])
    assert formulas["dL/dW1[x->h1]"] == "x · dL/dz(h1) = 0.5 · 0 = 0"  # -2·(-2)·0 is 0, not -0
    assert formulas["dL/dh1"] == "sum_m w·dL/dz_m = -2·(-2) = 4"  # dL/dz(out) = 2·(0 - 1) = -2, bracketed
    text = " ".join(f for layer in e.layers for _, f in layer["formulas"])
    assert "-0 " not in text + " " and "·-" not in text
    from neuronlab.apps.explain import _n

    assert _n(-0.0) == "0" and _n(-0.00001234) == "-1.234e-05"  # a negative zero is 0; a small number stays


def test_bad_input():
    with pytest.raises(ValueError, match="one per output"):
        explain(y=[1.0, 2.0])
    with pytest.raises(ValueError, match="at most 200 parameters"):
        explain(nl.mlp([10, 20, 1]), np.zeros(10), 0.0)
    with pytest.raises(ValueError, match="finite"):
        explain(x=np.nan)


def test_automatic_learning_rate_lowers_the_loss_and_a_too_large_one_says_why():
    net = nl.mlp([1, 8, 1], activation="tanh", seed=0)
    auto = explain(net, [2.5], [3.0], lr=None)
    assert auto.lr_auto and auto.lr in LEARNING_RATES and auto.new_loss < auto.loss
    assert auto.step_note == ""
    others = [explain(net, [2.5], [3.0], lr=r).new_loss for r in LEARNING_RATES if r != auto.lr]
    assert all(loss >= auto.new_loss for loss in others)  # no other rate tried lowers it more
    big = explain(net, [2.5], [3.0], lr=50.0)
    assert big.new_loss > big.loss and "the loss rose" in big.step_note and "smaller learning rate" in big.step_note
    flat = explain(nl.Network([nl.Dense(1, 1, "step", weights=[[1.0]], bias=[0.0])]), [0.5], [0.0], lr=None)
    assert "every gradient is 0" in flat.step_note and flat.new_loss == flat.loss
    with pytest.raises(ValueError, match="learning rate"):
        explain(net, [0.5], [1.0], lr=-1.0)
