import numpy as np
import pytest

import neuronlab as nl
from neuronlab import activations

from conftest import numerical_gradient

# points away from the kinks of step, relu and leaky_relu at 0
Z = np.array([-6.0, -2.5, -1.0, -0.3, 0.2, 0.7, 1.5, 3.0, 8.0])


def test_names_and_lookup():
    assert set(activations.names()) >= {
        "step",
        "linear",
        "sigmoid",
        "tanh",
        "relu",
        "leaky_relu",
        "softplus",
        "gelu",
        "silu",
        "sin",
    }
    assert activations.get("identity").name == "linear"
    assert activations.get("TANH").name == "tanh"
    with pytest.raises(ValueError, match="unknown activation 'sigmoidd'; choose one of: step"):
        activations.get("sigmoidd")


def test_every_activation_describes_itself():
    for name in activations.names():
        act = activations.get(name)
        assert act.description and "\n" not in act.description
    assert activations.get("step").learnable is False
    assert all(activations.get(n).learnable for n in activations.names() if n != "step")


def test_hand_values():
    assert activations.get("step").value(np.array([-1e-9, 0.0, 2.0])).tolist() == [0.0, 1.0, 1.0]
    assert activations.get("relu").value(np.array([-2.0, 3.0])).tolist() == [0.0, 3.0]
    assert activations.get("leaky_relu").value(np.array([-2.0, 3.0])).tolist() == [-0.02, 3.0]
    assert activations.get("sigmoid").value(np.array([0.0]))[0] == 0.5
    assert activations.get("softplus").value(np.array([0.0]))[0] == pytest.approx(np.log(2.0), rel=1e-15)
    assert activations.get("gelu").value(np.array([1.0]))[0] == pytest.approx(0.8413447460685429, rel=1e-12)
    # no overflow far out
    s = activations.get("sigmoid").value(np.array([-800.0, 800.0]))
    assert s.tolist() == [0.0, 1.0]
    assert activations.get("softplus").value(np.array([800.0]))[0] == 800.0


@pytest.mark.parametrize("name", activations.names())
def test_derivative_matches_central_differences(name):
    act = activations.get(name)
    analytic = act.derivative(Z, act.value(Z))
    numeric = np.array([numerical_gradient(lambda v: float(act.value(v)[0]), np.array([z]))[0] for z in Z])
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", activations.names())
def test_tensor_activation_matches_pytorch(name, torch):
    functions = {
        "step": lambda z: (z >= 0).double() + 0 * z,
        "linear": lambda z: z * 1.0,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01),
        "softplus": lambda z: torch.nn.functional.softplus(z, threshold=1000),
        "gelu": torch.nn.functional.gelu,
        "silu": torch.nn.functional.silu,
        "sin": torch.sin,
    }
    z = nl.Tensor(Z.copy(), requires_grad=True)
    out = z.activation(name)
    weights = np.linspace(-1, 1, Z.size)
    (out * weights).sum().backward()
    tz = torch.tensor(Z, requires_grad=True)
    tout = functions[name](tz)
    (tout * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-15)
    expected_grad = np.zeros_like(Z) if tz.grad is None else tz.grad.numpy()
    np.testing.assert_allclose(z.grad, expected_grad, rtol=1e-9, atol=1e-15)
