"""Running a workshop on JupyterHub: nbgitpuller links that hand each learner the kit.

A link ``https://hub/hub/user-redirect/git-pull?repo=...&branch=...&urlpath=...&targetpath=...`` logs the
learner in, starts their server, clones (or updates) the kit repository into their home folder
with nbgitpuller, and opens the module's notebook.  ``kit hub link`` prints one per module, as a
plain-text list to paste into slides or a chat.

The learners' environment (the one PostgreSQL progress store, ``KIT_LEARNER`` = the hub user
name) is set by the hub's own configuration in ``deploy/``, which runs in the hub's Python and
therefore imports nothing from ``kitlib``; :func:`store_url` is the check the trainer runs on
the URL before writing it into the hub's secret.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import quote, urlencode, urlsplit

__all__ = ["APPS", "HubError", "ModuleLink", "nbgitpuller_link", "repo_folder", "module_links",
           "trainer_link", "slide_text", "store_url"]

#: where each app opens a notebook (``{path}`` relative to the learner's home folder)
APPS = {
    "lab": "lab/tree/{path}",
    "notebook": "notebooks/{path}",      # Notebook 7
    "voila": "voila/render/{path}",
}
TRAINER_NOTEBOOK = "notebooks/trainer/dashboard.ipynb"
_BRANCH = re.compile(r"^[A-Za-z0-9._/+-]{1,200}$")


class HubError(ValueError):
    """A link or store setting that cannot work, with the field that is wrong."""


@dataclass(frozen=True)
class ModuleLink:
    module: str
    title_zh: str
    title_en: str
    minutes: int
    url: str


def _hub_base(hub_url: str) -> str:
    parts = urlsplit(hub_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HubError(f"hub URL: expected http(s)://host[/prefix], got {hub_url!r}")
    if parts.query or parts.fragment:
        raise HubError(f"hub URL: no query or fragment allowed, got {hub_url!r}")
    path = parts.path.rstrip("/")
    if path.endswith("/hub"):            # "https://x/hub" given for "https://x"
        path = path[: -len("/hub")]
    return f"{parts.scheme}://{parts.netloc}{path}"


def repo_folder(repo: str) -> str:
    """The folder a link clones ``repo`` into by default: its last path segment without ``.git``.

    (nbgitpuller's own default keeps the ``.git``; :func:`nbgitpuller_link` therefore always
    names the folder in ``targetpath``.)"""
    parts = urlsplit(repo.strip())
    if parts.scheme not in ("http", "https", "file") or not parts.path.strip("/"):
        raise HubError(f"repo: expected an http(s) or file:// git URL such as https://example.org/org/kit.git, "
                       f"got {repo!r}")
    name = parts.path.rstrip("/").rsplit("/", 1)[-1]
    name = name[:-4] if name.endswith(".git") else name
    if not name or name in (".", ".."):
        raise HubError(f"repo: no folder name in {repo!r}")
    return name


def _relative(field: str, path: str) -> str:
    path = (path or "").strip().replace("\\", "/").strip("/")
    if any(part in ("..", ".") for part in path.split("/")) or "//" in path:
        raise HubError(f"{field}: expected a path inside the repository, got {path!r}")
    return path


def nbgitpuller_link(hub_url: str, repo: str, branch: str = "main", path: str = "", app: str = "lab",
                     targetpath: str | None = None) -> str:
    """The nbgitpuller link that pulls ``repo`` at ``branch`` and opens ``path`` in ``app``
    (``lab``, ``notebook`` or ``voila``); ``targetpath`` is the folder in the learner's home
    (default: :func:`repo_folder`).  The link always carries ``targetpath``, so the folder
    nbgitpuller clones into is the one ``urlpath`` opens (nbgitpuller's own default would be
    ``kit.git`` for ``.../kit.git``)."""
    base = _hub_base(hub_url)
    folder = repo_folder(repo)
    branch = (branch or "").strip()
    if not _BRANCH.match(branch) or ".." in branch:
        raise HubError(f"branch: not a git branch or tag name: {branch!r}")
    if app not in APPS:
        raise HubError(f"app: expected one of {', '.join(APPS)}, got {app!r}")
    inside = _relative("path", path)
    target = _relative("targetpath", targetpath) if targetpath is not None else folder
    if not target:
        raise HubError("targetpath: must not be empty")
    opened = "/".join(p for p in (target, inside) if p)
    if app == "voila" and not inside.endswith(".ipynb"):
        raise HubError(f"path: Voilà opens a notebook (.ipynb), got {inside!r}")
    urlpath = APPS[app].format(path=opened)
    if app == "notebook" and not inside.endswith(".ipynb"):
        urlpath = f"tree/{opened}"          # a folder opens in Notebook 7's file browser
    query = {"repo": repo.strip(), "branch": branch, "urlpath": urlpath, "targetpath": target}
    return f"{base}/hub/user-redirect/git-pull?{urlencode(query, quote_via=quote, safe='')}"


def module_links(hub_url: str, repo: str, branch: str = "main", app: str = "lab",
                 notebooks: str = "notebooks", modules: Iterable[str] | None = None,
                 targetpath: str | None = None) -> list[ModuleLink]:
    """One link per module that learners can take (``modules``: these ids, in this order)."""
    from .learn.modules import available, module

    chosen = [module(m) for m in modules] if modules is not None else available()
    folder = _relative("notebooks", notebooks)
    return [ModuleLink(m.id, m.title("zh-CN"), m.title("en"), m.minutes,
                       nbgitpuller_link(hub_url, repo, branch, f"{folder}/{m.notebook}".lstrip("/"), app,
                                        targetpath))
            for m in chosen]


def trainer_link(hub_url: str, repo: str, branch: str = "main", app: str = "lab",
                 targetpath: str | None = None) -> str:
    """The trainer's dashboard (``notebooks/trainer/dashboard.ipynb``), pulled like a module."""
    return nbgitpuller_link(hub_url, repo, branch, TRAINER_NOTEBOOK, app, targetpath)


def slide_text(links: Iterable[ModuleLink], trainer: str | None = None) -> str:
    """A plain-text list, both languages, to paste into slides or a chat (no QR codes)."""
    lines = ["培训模块链接 · Module links", ""]
    for link in links:
        lines += [f"{link.module}  {link.title_zh} · {link.title_en} ({link.minutes} min)", f"    {link.url}", ""]
    if trainer:
        lines += ["讲师看板 · Trainer dashboard", f"    {trainer}", ""]
    return "\n".join(lines)


def store_url(url: str) -> str:
    """The progress-store URL every learner's kernel gets: PostgreSQL through psycopg.

    ``postgres://`` and ``postgresql://`` become ``postgresql+psycopg://`` (the driver the kit
    installs); SQLite and other databases are refused, because one file cannot be shared safely
    by the separate users of a hub.
    """
    text = (url or "").strip()
    scheme, sep, rest = text.partition("://")
    if not sep or not rest:
        raise HubError(f"progress store URL: not a database URL: {_hidden(text)!r}")
    if scheme in ("postgres", "postgresql"):
        scheme = "postgresql+psycopg"
    if scheme != "postgresql+psycopg":
        raise HubError(f"progress store URL: a hub needs PostgreSQL (postgresql+psycopg://user:password@host/db), "
                       f"got {scheme}://")
    host = urlsplit(f"x://{rest}").hostname
    if not host and "host=" not in rest:
        raise HubError(f"progress store URL: no host in {_hidden(text)!r}")
    return f"{scheme}://{rest}"


def _hidden(url: str) -> str:
    from .learn.store import hide_password     # SQLAlchemy only when a store URL is refused

    return hide_password(url)
