"""Who is learning: the name answers and certificates are recorded under.

In order: ``KIT_LEARNER`` (a workshop sets it per seat), the name saved with ``set_learner``
(a ``learner.json`` in the data dir), the JupyterHub user name (``JUPYTERHUB_USER``: on Zero to
JupyterHub every learner's OS user is ``jovyan``), then the operating-system user name.
"""
from __future__ import annotations

import getpass
import json
import os

from .paths import data_dir
from ..atomic import write_text_atomic

ENV = "KIT_LEARNER"


def current() -> str:
    name = os.environ.get(ENV, "").strip()
    if name:
        return name
    profile = data_dir() / "learner.json"
    try:
        saved = json.loads(profile.read_text("utf-8")).get("name", "").strip()
    except (OSError, ValueError, AttributeError):
        saved = ""
    if saved:
        return saved
    hub_user = os.environ.get("JUPYTERHUB_USER", "").strip()
    if hub_user:
        return hub_user
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "learner"


def set_learner(name: str) -> str:
    """Save the name to show on certificates (e.g. "张三 Zhang San"); atomic write."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValueError("a learner name is 1 to 200 characters")
    write_text_atomic(data_dir() / "learner.json", json.dumps({"name": name}, ensure_ascii=False))
    return name
