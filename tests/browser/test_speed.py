"""Frames per second while training, and how soon a click on pause shows: measured and printed, not asserted
(speed is a property of the machine; docs/playground.md reports the figures)."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = pytest.mark.slow  # minutes in a browser or a kernel: not in the quick tier (-m 'not slow')

SETUPS = {
    "2-8-8-2, circle, 200 points": {"mode": "dataset", "dataset": "circle", "points": 200, "layers": [8, 8]},
    "1-8-1, sin(3*x)": {"mode": "function", "expr": "sin(3*x)", "layers": [8]},
    "8 layers of 64, 2000 points": {
        "mode": "dataset",
        "dataset": "spiral",
        "points": 2000,
        "layers": [64] * 8,
        "batch": 32,
    },
}

PAUSE = """async () => {
  const t0 = performance.now();
  document.querySelector('[data-testid=pause]').click();
  while (document.querySelector('[data-testid=status]').textContent !== 'paused') {
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
  const shown = performance.now() - t0;
  while (!(window.neuronlab.frames.confirmed > t0)) await new Promise((resolve) => setTimeout(resolve, 5));
  const confirmed = window.neuronlab.frames.confirmed - t0;  // the server's paused frame arrived and was drawn
  const steps = document.querySelector('[data-testid=step-count]').textContent;
  await new Promise((resolve) => setTimeout(resolve, 500));  // and it stays paused: no stale frame after it
  return { shown, confirmed, still: document.querySelector('[data-testid=step-count]').textContent === steps,
           status: document.querySelector('[data-testid=status]').textContent };
}"""


def cpu_seconds(pid: int) -> float | None:
    """The CPU time (user + system) process ``pid`` has used so far; None where /proc is not there."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.fixture(scope="module")
def play_server():
    """`neuronlab play` in its own process, as a user runs it (the in-process test server shares the GIL
    with playwright and would measure the test, not the playground)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "neuronlab", "play", "--no-browser", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=1).close()
            break
        except OSError:
            if time.time() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail(f"neuronlab play did not start: {process.stderr.read().decode()[-500:]}")
            time.sleep(0.1)
    yield url, process.pid
    process.terminate()
    process.wait(timeout=10)


@pytest.mark.parametrize("name", list(SETUPS))
def test_frame_rate_and_pause_latency(browser, play_server, name, capsys):
    url, pid = play_server
    # the screen: 1280x800 at devicePixelRatio 2 (canvases hold four times the pixels)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, device_scale_factor=2)
    page = context.new_page()
    page.goto(url + "/#tab=playground&p=" + json.dumps(SETUPS[name]))
    page.wait_for_function(
        "window.neuronlab && window.neuronlab.playground.frame && "
        f"window.neuronlab.playground.frame.sizes.length === {len(SETUPS[name]['layers']) + 2}"
    )
    page.click("[data-testid=train]")
    page.wait_for_timeout(1000)  # warm up
    count = (
        "(f => [f.drawn, performance.now(), f.received, f.drawingMs, window.neuronlab.playground.frame.step])"
        "(window.neuronlab.frames)"
    )
    start, cpu_start = page.evaluate(count), cpu_seconds(pid)
    page.wait_for_timeout(3000)
    end, cpu_end = page.evaluate(count), cpu_seconds(pid)
    seconds = (end[1] - start[1]) / 1000
    fps, received = (end[0] - start[0]) / seconds, (end[2] - start[2]) / seconds
    drawing = (end[3] - start[3]) / max(1, end[0] - start[0])
    steps = (end[4] - start[4]) / seconds  # training steps a second (the frames must not slow training)
    cpu = "" if cpu_start is None else f"; the server used {(cpu_end - cpu_start) / seconds:.2f} s of CPU a second"
    pause = page.evaluate(PAUSE)
    context.close()
    with capsys.disabled():
        print(
            f"\n  {name}: {fps:.1f} frames/s drawn ({received:.1f} received, {drawing:.1f} ms to draw one), "
            f"{steps:.0f} steps/s; "
            f"pause shown after {pause['shown']:.0f} ms, the server's paused frame drawn after "
            f"{pause['confirmed']:.0f} ms{cpu}"
        )
    assert pause["still"] and pause["status"] == "paused"  # the pause took effect (how fast is printed above)
    assert fps > 0
