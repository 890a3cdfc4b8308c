"""The page's one activation module (static/activations.js) computes what nl.activations computes."""

import numpy as np
import pytest

import neuronlab as nl

pytestmark = pytest.mark.slow  # minutes in a browser or a kernel: not in the quick tier (-m 'not slow')

Z = [-40.0, -5.0, -1.3, -0.2, 0.0, 0.2, 1.3, 5.0, 40.0]


def test_every_activation_the_page_computes_matches_python_to_1e_12(page):
    result = page.evaluate(
        """async (z) => {
      const module = await import('/static/activations.js');
      return { computed: module.COMPUTED, engine: module.ENGINE_NAMES, all: module.ALL.map((a) => a.name),
        values: Object.fromEntries(module.COMPUTED.map((name) => {
          const a = module.activation(name);
          return [name, [z.map(a.value), z.map(a.derivative)]];
        })) };
    }""",
        Z,
    )
    assert set(nl.lesson.GALLERY) | {"linear"} <= set(result["computed"])  # the gallery is drawn in the page
    assert result["all"] == nl.activations.names() + ["gaussian"]
    assert sorted(result["engine"]) == sorted(nl.activations.names())
    z = np.array(Z)
    for name, (values, slopes) in result["values"].items():
        act = nl.lesson.activation(name)
        np.testing.assert_allclose(values, act.value(z), rtol=1e-12, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(slopes, act.derivative(z), rtol=1e-12, atol=1e-12, err_msg=name)
    options = page.locator("#activation option").all_text_contents()
    assert sorted(options) == sorted(nl.activations.names()) and options[-1] == "step"  # trainable ones first
    assert page.locator("#activation").input_value() == "tanh"  # the server's starting network
