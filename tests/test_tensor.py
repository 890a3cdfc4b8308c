import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import neuronlab as nl
from neuronlab.engine.tensor import Tensor, unbroadcast

from conftest import numerical_gradient

rng = np.random.default_rng(0)

# name -> (function of Tensors, input arrays); inputs kept away from kinks and poles
UNARY_CASES = {
    "exp": (lambda a: a.exp(), [rng.normal(size=(3, 4))]),
    "log": (lambda a: a.log(), [rng.uniform(0.5, 2.0, (3, 4))]),
    "abs": (lambda a: a.abs(), [rng.uniform(0.2, 1.0, (3, 4)) * rng.choice([-1, 1], (3, 4))]),
    "pow3": (lambda a: a**3, [rng.normal(size=(3, 4))]),
    "pow-half": (lambda a: a**-0.5, [rng.uniform(0.5, 2.0, (3, 4))]),
    "neg": (lambda a: -a, [rng.normal(size=(3, 4))]),
    "sum": (lambda a: a.sum(), [rng.normal(size=(3, 4))]),
    "sum0": (lambda a: a.sum(axis=0), [rng.normal(size=(3, 4))]),
    "sum1k": (lambda a: a.sum(axis=1, keepdims=True), [rng.normal(size=(3, 4))]),
    "mean": (lambda a: a.mean(axis=1), [rng.normal(size=(3, 4))]),
    "reshape": (lambda a: a.reshape(4, 3), [rng.normal(size=(3, 4))]),
    "transpose": (lambda a: a.T, [rng.normal(size=(3, 4))]),
    "index": (lambda a: a[np.array([0, 2, 2]), np.array([1, 3, 3])], [rng.normal(size=(3, 4))]),
    "slice": (lambda a: a[1:, ::2], [rng.normal(size=(3, 4))]),
    "log_softmax": (lambda a: a.log_softmax(axis=1), [rng.normal(size=(3, 4))]),
}
BINARY_CASES = {
    "add": (lambda a, b: a + b, [rng.normal(size=(3, 4)), rng.normal(size=(4,))]),
    "sub": (lambda a, b: a - b, [rng.normal(size=(3, 1)), rng.normal(size=(1, 4))]),
    "mul": (lambda a, b: a * b, [rng.normal(size=(3, 4)), rng.normal(size=(3, 4))]),
    "div": (lambda a, b: a / b, [rng.normal(size=(3, 4)), rng.uniform(0.5, 2.0, (4,))]),
    "matmul": (lambda a, b: a @ b, [rng.normal(size=(3, 4)), rng.normal(size=(4, 2))]),
}
CASES = {**UNARY_CASES, **BINARY_CASES}


def _weighted_sum(out: Tensor, weights: np.ndarray) -> Tensor:
    """Reduce an output to one number with fixed random weights, so every output element matters."""
    return (out * weights).sum()


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_matches_central_differences(name):
    fn, arrays = CASES[name]
    tensors = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = fn(*tensors)
    weights = np.random.default_rng(1).normal(size=out.shape)
    _weighted_sum(out, weights).backward()
    for i, t in enumerate(tensors):

        def f(values, i=i):
            args = [Tensor(values) if j == i else Tensor(arrays[j]) for j in range(len(arrays))]
            return float((fn(*args).data * weights).sum())

        expected = numerical_gradient(f, arrays[i].copy())
        np.testing.assert_allclose(t.grad, expected, rtol=1e-6, atol=1e-8)
        assert t.grad.shape == t.shape


@pytest.mark.parametrize("name", sorted(CASES))
def test_value_and_gradient_match_pytorch(name, torch):
    fn, arrays = CASES[name]
    tensors = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = fn(*tensors)
    weights = np.random.default_rng(1).normal(size=out.shape)
    _weighted_sum(out, weights).backward()

    torch_inputs = [torch.tensor(a, requires_grad=True) for a in arrays]
    torch_fns = {  # the same expressions, spelled for torch
        "exp": lambda a: a.exp(),
        "log": lambda a: a.log(),
        "abs": lambda a: a.abs(),
        "pow3": lambda a: a**3,
        "pow-half": lambda a: a**-0.5,
        "neg": lambda a: -a,
        "sum": lambda a: a.sum(),
        "sum0": lambda a: a.sum(0),
        "sum1k": lambda a: a.sum(1, keepdim=True),
        "mean": lambda a: a.mean(1),
        "reshape": lambda a: a.reshape(4, 3),
        "transpose": lambda a: a.T,
        "index": lambda a: a[torch.tensor([0, 2, 2]), torch.tensor([1, 3, 3])],
        "slice": lambda a: a[1:, ::2],
        "log_softmax": lambda a: torch.log_softmax(a, 1),
        "add": lambda a, b: a + b,
        "sub": lambda a, b: a - b,
        "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b,
        "matmul": lambda a, b: a @ b,
    }
    torch_out = torch_fns[name](*torch_inputs)
    (torch_out * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(out.data, torch_out.detach().numpy(), rtol=1e-12, atol=1e-14)
    for t, tt in zip(tensors, torch_inputs):
        np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-9, atol=1e-14)


def test_value_used_twice_gets_both_contributions():
    # micrograd's classic trap: b = a + a; c = b + b  ->  dc/da = 4
    a = Tensor(3.0, requires_grad=True)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0
    assert b.grad == 2.0
    # and through a product: d(a*a)/da = 2a
    a2 = Tensor(3.0, requires_grad=True)
    (a2 * a2).backward()
    assert a2.grad == 6.0


def test_deep_chain_has_no_recursion_limit():
    a = Tensor(1.0, requires_grad=True)
    out = a
    for _ in range(5000):
        out = out * 1.0001
    out.backward()
    assert a.grad == pytest.approx(1.0001**5000, rel=1e-9)


def test_backward_twice_accumulates_leaves_exactly_and_recomputes_intermediates():
    w = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    h = w * w
    loss = (h * 3.0).sum()
    loss.backward()
    first_w, first_h = w.grad.copy(), h.grad.copy()
    np.testing.assert_array_equal(first_w, 6.0 * w.data)
    loss.backward()
    np.testing.assert_array_equal(w.grad, 2 * first_w)  # leaves: exactly twice, as in PyTorch
    np.testing.assert_array_equal(h.grad, first_h)  # intermediates: not stale sums
    w.zero_grad()
    loss.backward()
    np.testing.assert_array_equal(w.grad, first_w)


def test_backward_needs_grad_for_non_scalars():
    t = Tensor(np.ones(3), requires_grad=True) * 2.0
    with pytest.raises(ValueError, match="needs grad="):
        t.backward()
    t.backward(np.array([1.0, 2.0, 3.0]))


def test_float32_stays_float32_and_mixing_is_refused():
    a = Tensor(np.ones((2, 2)), requires_grad=True, dtype="float32")
    out = ((a * 2.5 + 1) @ a).exp().log().mean()
    out.backward()
    assert out.dtype == np.float32 and a.grad.dtype == np.float32
    assert (a.activation("gelu").dtype, a.activation("leaky_relu").dtype) == (np.float32, np.float32)
    b = Tensor(np.ones((2, 2)))
    assert b.dtype == np.float64
    with pytest.raises(nl.DTypeError, match="float32 and float64"):
        a + b
    with pytest.raises(nl.DTypeError):
        Tensor([1.0], dtype="int32")


def test_power_takes_a_real_number_only():
    a = Tensor([2.0, 3.0], requires_grad=True)
    assert (a ** np.float32(2)).data.tolist() == [4.0, 9.0] and (a ** np.int64(3)).op == "**3"
    for bad in ("2", b"2", 2j, Tensor(2.0), np.array([2.0])):  # a string used to pass: float("2") is 2.0
        with pytest.raises(TypeError, match="needs a number p"):
            a**bad


def test_no_gradient_for_data_tensors():
    w = Tensor(np.ones((2, 1)), requires_grad=True)
    x = Tensor(np.ones((3, 2)))
    (x @ w).sum().backward()
    assert x.grad is None and w.grad is not None


def test_unbroadcast_sums_stretched_axes():
    g = np.ones((2, 3, 4))
    assert unbroadcast(g, (4,)).tolist() == [6.0] * 4
    assert unbroadcast(g, (3, 1)).shape == (3, 1)
    assert unbroadcast(g, (3, 1))[0, 0] == 8.0
    assert unbroadcast(g, ()).item() == 24.0


@settings(max_examples=60, deadline=None)
@given(
    hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3, max_side=4),
    st.sampled_from(["add", "mul", "sub"]),
)
def test_broadcast_gradients_match_central_differences(shapes, op):
    (shape_a, shape_b), out_shape = shapes
    r = np.random.default_rng(abs(hash((shape_a, shape_b))) % 2**32)
    a0, b0 = r.normal(size=shape_a), r.normal(size=shape_b)
    weights = r.normal(size=out_shape)
    fn = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b, "sub": lambda a, b: a - b}[op]
    a, b = Tensor(a0.copy(), requires_grad=True), Tensor(b0.copy(), requires_grad=True)
    (fn(a, b) * weights).sum().backward()
    assert a.grad.shape == shape_a and b.grad.shape == shape_b
    da = numerical_gradient(lambda v: float((fn(v, b0) * weights).sum()), a0.copy())
    db = numerical_gradient(lambda v: float((fn(a0, v) * weights).sum()), b0.copy())
    np.testing.assert_allclose(a.grad, da, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(b.grad, db, rtol=1e-6, atol=1e-8)
