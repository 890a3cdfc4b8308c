"""The README's picture: the playground's Playground tab after a few thousand training steps.

    python scripts/screenshot.py                  # rewrites docs/images/playground.png
    python scripts/screenshot.py --out /tmp/p.png

Starts `neuronlab play --no-browser` from this checkout on a free port, opens the page in Debian's headless
Chromium (playwright drives it), trains the default network (1-8-1 tanh on sin(3*x), seed 0) past STEPS steps,
pauses, and saves the top of the page at 1024x768 as a 256-colour PNG. The PNG carries the sha256 of this
script in a text chunk, so tests/test_docs.py can tell whether the committed picture was made by this version;
the test also renders the page again and compares the two pictures pixel by pixel.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

from chromium import ARGS, CHROMIUM  # scripts/chromium.py: the launch settings the browser tests use too

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images" / "playground.png"
VIEWPORT = {"width": 1024, "height": 768}  # a projector's size: the three pictures without scrolling
CLIP = {"x": 0, "y": 0, "width": 1024, "height": 757}  # above the diagram's caption, which the viewport cuts
STEPS = 3000
SCRIPT_KEY = "neuronlab-screenshot-sha256"


def script_digest() -> str:
    """The sha256 of this file's text: the version of the script a picture was made by."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_server() -> tuple[subprocess.Popen, str]:
    """`neuronlab play` of this checkout (src/ first on the path), and the URL it prints."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])))
    server = subprocess.Popen(
        [sys.executable, "-m", "neuronlab", "play", "--no-browser", "--port", str(_free_port())],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    for line in server.stdout:  # "port ... is busy; using ..." may come first
        found = re.search(r"neuronlab playground: (\S+)", line)
        if found:
            return server, found.group(1)
    server.wait()
    raise RuntimeError(f"neuronlab play stopped (exit code {server.returncode}) before printing its URL")


def render(out: Path, steps: int = STEPS) -> Path:
    """Serve the page, train, pause, and write the picture to ``out``."""
    from PIL import Image, PngImagePlugin
    from playwright.sync_api import sync_playwright

    server, url = _start_server()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            try:
                # bypass_csp: wait_for_function evaluates its predicate with eval, which the page's policy forbids
                page = browser.new_page(viewport=VIEWPORT, device_scale_factor=1, bypass_csp=True)
                deadline = time.time() + 30
                while True:  # the server answers a moment after it prints its URL
                    try:
                        page.goto(url + "#tab=playground")
                        break
                    except Exception:
                        if time.time() > deadline:
                            raise
                        time.sleep(0.2)
                page.wait_for_function("document.getElementById('connection').textContent === 'connected'")
                page.click("[data-testid=train]")
                page.wait_for_function(
                    f"Number(document.querySelector('[data-testid=step-count]').textContent) > {steps}", timeout=120_000
                )
                page.click("[data-testid=pause]")
                page.wait_for_function("document.querySelector('[data-testid=status]').textContent === 'paused'")
                page.wait_for_timeout(500)  # the server's paused frame, drawn
                png = page.screenshot(clip=CLIP)
            finally:
                browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    picture = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    info = PngImagePlugin.PngInfo()
    info.add_text(SCRIPT_KEY, script_digest())
    out.parent.mkdir(parents=True, exist_ok=True)
    picture.save(out, optimize=True, pnginfo=info)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Write the README's picture of the playground.")
    parser.add_argument(
        "--out", type=Path, default=OUT, help=f"where to write the PNG (default: {OUT.relative_to(ROOT)})"
    )
    parser.add_argument("--steps", type=int, default=STEPS, help=f"train past this many steps (default: {STEPS})")
    args = parser.parse_args(argv)
    path = render(args.out, args.steps)
    print(f"wrote {path} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
