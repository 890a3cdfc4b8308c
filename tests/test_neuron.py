import numpy as np
import pytest

import neuronlab as nl


def test_step_neuron_fires_from_its_threshold():
    n = nl.Neuron(weights=[2.0], bias=-1.0, activation="step")
    assert n.threshold == 0.5  # s = -b/w
    assert n.w0 == -1.0
    assert n([0.0, 0.49, 0.5, 3.0]).tolist() == [0.0, 0.0, 1.0, 1.0]
    flipped = nl.Neuron(weights=-2.0, bias=1.0, activation="step")  # negative weight: on below s
    assert flipped.threshold == 0.5
    assert flipped([0.0, 0.49, 0.51]).tolist() == [1.0, 1.0, 0.0]


def test_weighted_sum_of_several_inputs():
    n = nl.Neuron(weights=[1.0, -2.0, 0.5], bias=0.25, activation="linear")
    x = np.array([[1.0, 1.0, 2.0], [0.0, 0.5, 0.0]])
    assert n(x).tolist() == [1.0 - 2.0 + 1.0 + 0.25, -1.0 + 0.25]
    assert nl.Neuron([1.0, 1.0], 0.0, "sigmoid")(np.zeros(2)) == 0.5
    with pytest.raises(ValueError, match="3 inputs; x has shape"):
        n(np.ones((2, 2)))


def test_output_keeps_the_input_shape_for_one_input():
    n = nl.Neuron(1.0, 0.0, "relu")
    assert n(np.array([[-1.0, 2.0]])).shape == (1, 2)
    assert n(3.0) == 3.0


def test_threshold_errors_and_formula():
    with pytest.raises(ValueError, match="never crosses zero"):
        _ = nl.Neuron(0.0, 1.0).threshold
    with pytest.raises(ValueError, match="one input"):
        _ = nl.Neuron([1.0, 2.0]).threshold
    with pytest.raises(ValueError, match="finite"):
        nl.Neuron([np.nan])
    assert nl.Neuron(1.5, -0.3, "step").formula() == "step(1.5·x - 0.3)"
    assert "relu" in repr(nl.Neuron(1.0, 0.0, "relu"))
