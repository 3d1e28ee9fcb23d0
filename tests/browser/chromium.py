"""Debian's Chromium, as every browser test launches it.

Never `playwright install`: the browser comes from apt. Without the
background-networking flags Chromium keeps trying to reach Google's hosts,
which this machine's closed network refuses.
"""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
