"""How this project launches Debian's headless Chromium through playwright (which cannot fetch its own browser
here): the browser tests (tests/browser/conftest.py), the README's picture (screenshot.py) and
check_excalidraw.py all use these."""

CHROMIUM = "/usr/bin/chromium"
# no sandbox (containers), no GPU, nothing phoned home, and no name looked up but 127.0.0.1
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
