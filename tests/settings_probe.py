"""Read production settings as a fresh process would under a given environment (tests only)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def settings_under(expression: str, *, without_prefix: str = "", **environment):
    """The JSON value of ``expression`` (``s`` is django.conf.settings) in a new interpreter with
    ``integration_server.settings``, DEBUG on unless ``environment`` says otherwise; environment variables
    starting with ``without_prefix`` are left out first."""
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({expression}))"
    )
    env = {k: v for k, v in os.environ.items() if not (without_prefix and k.startswith(without_prefix))}
    env.update(DJANGO_SETTINGS_MODULE="integration_server.settings", DEBUG="true")
    env.update(environment)
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])
