"""The kit's settings for every learner's server on The Littlest JupyterHub.

Copy to ``/opt/tljh/config/jupyterhub_config.d/kit.py`` and run ``sudo tljh-config reload hub``.
TLJH loads it after ``config.yaml``; ``deploy/local/jupyterhub_config.py`` loads this same file,
so the end-to-end test (tests/hub) runs exactly these lines.

It runs in the hub's own Python (``/opt/tljh/hub``), where the kit is not installed, so it
imports nothing from ``kitlib``.  Secrets are files readable by root only (never config.yaml):

==========================================  =====================================================
``/opt/tljh/config/kit/progress-url``       the one PostgreSQL progress store,
                                            ``postgresql+psycopg://kit:PASSWORD@HOST/kit``
``/opt/tljh/config/kit/learner-password``   the workshop's shared password (8+ characters);
                                            only with ``auth.type`` SharedPasswordAuthenticator
``/opt/tljh/config/kit/trainer-password``   the trainers' password (32+ characters); trainers
                                            are ``users.admin`` in config.yaml
==========================================  =====================================================

(``KIT_PROGRESS_URL_FILE``, ``KIT_LEARNER_PASSWORD_FILE`` and ``KIT_TRAINER_PASSWORD_FILE`` in
the hub's environment point elsewhere.)  Every learner's server and kernel then gets
``KIT_PROGRESS_URL`` (answers go to the one store), ``KIT_LEARNER`` = the hub user name (answers
are recorded under it) and ``KIT_LANG``.
"""
import os
from pathlib import Path

KIT_SECRETS = Path("/opt/tljh/config/kit")


def _kit_secret(variable, name, required):
    """First non-empty line of the secret file, or None when an optional file is absent."""
    path = Path(os.environ.get(variable) or KIT_SECRETS / name)
    try:
        lines = [line.strip() for line in path.read_text("utf-8").splitlines() if line.strip()]
    except FileNotFoundError:
        if required:
            raise RuntimeError(f"kit: the progress store's URL is missing: write it to {path} "
                               f"(one line, postgresql+psycopg://...) and chmod 600 it") from None
        return None
    if not lines:
        raise RuntimeError(f"kit: {path} is empty")
    return lines[0]


def _kit_store_url(url, path_hint):
    """postgres:// and postgresql:// -> postgresql+psycopg:// (the driver the kit installs)."""
    scheme, sep, rest = url.partition("://")
    if scheme in ("postgres", "postgresql"):
        scheme = "postgresql+psycopg"
    if not sep or scheme != "postgresql+psycopg" or not rest:
        raise RuntimeError(f"kit: {path_hint}: expected postgresql+psycopg://user:password@host/db, "
                           f"got {scheme}://...")
    return f"{scheme}://{rest}"


def kit_learner_name(spawner):
    """KIT_LEARNER for this server: the hub user name, so answers are recorded under it."""
    return spawner.user.name


c = get_config()  # noqa: F821  (provided by JupyterHub's config loader)

c.Spawner.environment.update({
    "KIT_PROGRESS_URL": _kit_store_url(_kit_secret("KIT_PROGRESS_URL_FILE", "progress-url", True),
                                       os.environ.get("KIT_PROGRESS_URL_FILE") or KIT_SECRETS / "progress-url"),
    "KIT_LEARNER": kit_learner_name,
    "KIT_LANG": os.environ.get("KIT_LANG", "zh-CN"),
})
c.Spawner.default_url = "/lab"          # nbgitpuller links override it with their own urlpath

_learner_password = _kit_secret("KIT_LEARNER_PASSWORD_FILE", "learner-password", False)
if _learner_password:
    c.SharedPasswordAuthenticator.user_password = _learner_password
_trainer_password = _kit_secret("KIT_TRAINER_PASSWORD_FILE", "trainer-password", False)
if _trainer_password:
    c.SharedPasswordAuthenticator.admin_password = _trainer_password

# Trainers are hub admins (users.admin in config.yaml): the admin page at /hub/admin, and
# access to a learner's server to help (JupyterHub's admin role includes access:servers).
