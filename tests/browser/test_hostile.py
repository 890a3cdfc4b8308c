"""Hostile share links: whatever a link holds, the page starts, says what it left out, and uses the rest."""

import json
from urllib.parse import parse_qs, quote, urlparse

import pytest

from neuronlab.apps.playground import session as ps

pytestmark = pytest.mark.slow  # minutes in a browser: not in the quick tier (-m 'not slow')


def fragment(url):
    return {k: v[0] for k, v in parse_qs(urlparse(url).fragment).items()}


def open_link(browser, base, hash_text):
    """A new tab on base + '/#' + hash_text, once connected and showing its first frame; (page, page errors)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{base}/#{hash_text}")
    page.wait_for_function(
        "window.neuronlab && document.getElementById('connection').textContent === 'connected'", timeout=15000
    )
    page.wait_for_function("window.neuronlab.playground.frame !== null", timeout=15000)
    return page, problems


@pytest.mark.parametrize(
    "link, left_out, kept",
    [
        ('tab=playground&p={"layers":5,"lr":0.05}', "playground layers = 5", {"lr": 0.05, "layers": [8]}),
        (
            'tab=playground&p={"features":7,"mode":"dataset","seed":3}',
            "playground features = 7",
            {"mode": "dataset", "seed": 3, "features": ["x1", "x2"]},
        ),
        (
            'tab=playground&p={"layers":[8,"x"],"drawn":5,"domain":[3,1],"batch":2.5,"evil":1,"noise":0.2}',
            "playground evil = 1",
            {"noise": 0.2, "layers": [8], "domain": [-3.0, 3.0], "batch": 32},
        ),
        ('tab=playground&p={"layers":[117],"activation":"relu"}', None, {"layers": [117], "activation": "relu"}),
        ('tab=playground&p={"layers":5', "playground settings", {"layers": [8]}),
        ("tab=playground&p=[1,2]", "playground p = [1,2]", {"layers": [8]}),
        ('tab=playground&p=null&a=5&l="x"', "approximate a = 5", {"layers": [8]}),
        # what only the server judges (an expression's syntax, a test share that leaves no training points)
        (
            'tab=playground&p={"expr":"sin(3*x","lr":0.2,"points":40}',
            "playground expr",
            {"lr": 0.2, "points": 40, "expr": "sin(3*x)"},
        ),
        (
            'tab=playground&p={"mode":"points","drawn":[[0,1]],"lr":0.3}',
            "playground drawn",
            {"lr": 0.3, "mode": "function"},
        ),
        (
            'tab=approximate&a={"expr":7,"domain":"wide","eps":"small","activation":"tanh"}',
            "approximate expr = 7",
            {"layers": [8]},
        ),
    ],
)
def test_a_malformed_share_link_is_checked_field_by_field(browser, live_server, link, left_out, kept):
    """`#tab=playground&p={"layers":5}` threw at start-up: the page stayed "connecting…", and a reload kept it."""
    page, problems = open_link(browser, live_server, quote(link, safe="=&"))
    if left_out:
        note = page.locator("[data-testid=link-note]")
        note.wait_for(state="visible")
        page.wait_for_function(
            "(text) => document.querySelector('[data-testid=link-note]').textContent.includes(text)", arg=left_out
        )
    else:
        assert page.locator("[data-testid=link-note]").count() == 0
    expect = json.dumps(kept)
    page.wait_for_function(
        """(kept) => { const c = window.neuronlab.playground.frame.config;
      return Object.entries(JSON.parse(kept)).every(([k, v]) => JSON.stringify(c[k]) === JSON.stringify(v)); }""",
        arg=expect,
        timeout=15000,
    )
    # the link in the address bar is now the page's own, one the server takes as it is
    state = fragment(page.url)
    config = json.loads(state["p"])
    ps.check_config(config)
    assert json.loads(state["a"])["eps"] > 0
    page.reload()  # and a reload starts cleanly, with nothing left out
    page.wait_for_function("window.neuronlab && document.getElementById('connection').textContent === 'connected'")
    page.wait_for_function("window.neuronlab.playground.frame !== null")
    assert page.locator("[data-testid=link-note]").count() == 0
    page.close()
    assert not problems, problems


def _python_verdict(key, value):
    try:
        ps.check_config({key: value})
    except ps.RequestError:
        return False
    return True


def test_the_page_checks_a_links_settings_as_the_server_does(page):
    """Property: for random values of every setting, the page keeps exactly those the server's check_config
    accepts (the page checks a link before sending it; the server is the judge)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from test_playground import PLAUSIBLE

    edges = st.sampled_from(
        [
            0,
            1,
            2,
            64,
            65,
            2000,
            2001,
            2**31 - 1,
            2**31,
            -1,
            1e-6,
            0.9,
            0.91,
            10,
            10.5,
            1e6,
            1.5,
            -1.5,
            0.01,
            2.0,
            2.5,
            1e300,
            -0.0,
            True,
            False,
            None,
            "",
            "x" * 201,
            "tanh",
            "step",
            "three gaussians",
            "x1",
            [],
            [8],
            [64, 64],
            [65, 1],
            [2000],
            [2001],
            [8] * 9,
            [1, 2],
            [2, 1],
            [[0, 1], [1, 2]],
            [[0, 1, 2]],
            [["x1"]],
            ["x1", "nope"],
            {"a": 1},
        ]
    )
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-3000, 3000),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=8),
        edges,
    )
    values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=9), max_leaves=12)
    keys = sorted(ps.DEFAULTS)

    def value(key):
        return st.one_of(st.sampled_from(PLAUSIBLE.get(key) or [ps.DEFAULTS[key]]), edges, values)

    configs = st.fixed_dictionaries({}, optional={key: value(key) for key in keys})
    checked = []

    @settings(max_examples=400, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(configs)
    def same_verdicts(config):
        result = page.evaluate("(c) => window.neuronlab.checkLink.playground(JSON.parse(c))", json.dumps(config))
        kept = set(result["config"])
        for key, value in config.items():
            assert (key in kept) == _python_verdict(key, value), (key, value)
        checked.append(len(config))

    same_verdicts()
    assert sum(checked) > 1000


def test_a_fuzz_of_share_links_never_stops_the_page(browser, live_server):
    """Property: random share links (random settings, random JSON, random text) all start the page, which
    connects, draws a frame, logs no error, and rewrites the link into one the server accepts."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from test_playground import PLAUSIBLE

    garbage = st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10)),
        lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
        max_leaves=6,
    )
    setting = st.fixed_dictionaries(
        {}, optional={k: st.one_of(st.sampled_from(PLAUSIBLE.get(k) or [ps.DEFAULTS[k]]), garbage) for k in ps.DEFAULTS}
    )
    part = st.one_of(setting.map(json.dumps), garbage.map(json.dumps), st.text(max_size=20))
    links = st.fixed_dictionaries(
        {"tab": st.sampled_from(["playground", "approximate", "lesson", "backprop", "x"])},
        optional={"p": part, "a": part, "l": part},
    )
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    seen = []

    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(links)
    def starts(link):
        page.goto("about:blank")
        page.goto(f"{live_server}/#" + "&".join(f"{k}={quote(v, safe='')}" for k, v in link.items()))
        page.wait_for_function(
            "window.neuronlab && document.getElementById('connection').textContent === 'connected'", timeout=15000
        )
        page.wait_for_function("window.neuronlab.playground.frame !== null", timeout=15000)
        ps.check_config(json.loads(fragment(page.url)["p"]))
        assert not problems, (link, problems)
        seen.append(page.evaluate("window.neuronlab.leftOut.length"))

    starts()
    page.close()
    assert len(seen) == 25 and any(seen)


def test_train_from_here_takes_a_build_of_more_than_64_neurons(browser, live_server):
    """ "Train from here" answered "layers must be between 1 and 64" for every build over 64 neurons."""
    page, problems = open_link(
        browser, live_server, 'tab=approximate&a={"expr":"sin(3*x)","domain":[-3,3],"eps":0.02,"activation":"tanh"}'
    )
    page.wait_for_function(
        "window.neuronlab.approximate.frame && window.neuronlab.approximate.frame.neurons > 64", timeout=30000
    )
    neurons = page.evaluate("window.neuronlab.approximate.frame.neurons")
    page.click("[data-testid=ap-adopt]")
    page.wait_for_function(f"window.neuronlab.playground.frame.sizes[1] === {neurons}")
    assert page.inner_text("[data-testid=neurons-0]") == str(neurons)
    assert page.locator("[data-testid=error]").is_hidden()
    page.click("[data-testid=train]")
    page.wait_for_function("window.neuronlab.playground.frame.step > 300")
    page.click("[data-testid=pause]")
    drawn = page.evaluate("window.neuronlab.frames")
    assert drawn["drawn"] > 0 and drawn["drawingMs"] / drawn["drawn"] < 50  # the page keeps up
    assert json.loads(fragment(page.url)["p"])["layers"] == [neurons]
    page.close()
    assert not problems, problems
