"""Who is learning: the name answers and certificates are recorded under.

On a page served by ``kit present`` (``KIT_PRESENT`` set), every participant has a page of their
own: the name is the page address's ``?learner=NAME``, else ``guest-<kernel pid>``, never the
name of whoever started the server.  Otherwise, in order: ``KIT_LEARNER`` (a workshop sets it per seat), the name saved with ``set_learner``
(a ``learner.json`` in the data dir), the JupyterHub user name (``JUPYTERHUB_USER``: on Zero to
JupyterHub every learner's OS user is ``jovyan``), then the operating-system user name.
"""
from __future__ import annotations

import getpass
import json
import os
from urllib.parse import parse_qs

from .paths import data_dir
from ..atomic import write_text_atomic

ENV = "KIT_LEARNER"
PRESENT_ENV = "KIT_PRESENT"
MAX_LENGTH = 200


def presenting() -> bool:
    """True in a kernel of a page served by ``kit present``."""
    return bool(os.environ.get(PRESENT_ENV))


def from_page() -> str:
    """The ``learner`` parameter of the page's address (Voilà gives the kernel ``QUERY_STRING``)."""
    values = parse_qs(os.environ.get("QUERY_STRING", "")).get("learner", [])
    name = " ".join(values[0].split()) if values else ""
    return name[:MAX_LENGTH]


def is_guest(name: str) -> bool:
    return name.startswith("guest-")


def current() -> str:
    if presenting():
        return from_page() or f"guest-{os.getpid()}"
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
    if not name or len(name) > MAX_LENGTH:
        raise ValueError("a learner name is 1 to 200 characters")
    write_text_atomic(data_dir() / "learner.json", json.dumps({"name": name}, ensure_ascii=False))
    return name
