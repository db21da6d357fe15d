"""A JupyterHub on this machine: the end-to-end test (tests/hub) and a dry run before a workshop.

    KIT_HUB_STATE=/tmp/kit-hub KIT_PROGRESS_URL_FILE=/tmp/kit-hub/progress-url \\
    KIT_LEARNER_PASSWORD_FILE=/tmp/kit-hub/learner-password \\
    .venv/bin/jupyterhub -f deploy/local/jupyterhub_config.py

Everything the hub keeps goes under ``KIT_HUB_STATE`` (its database, cookie secret, proxy pid
and one home folder per user), and the hub listens on 127.0.0.1 only.  Users log in with the
shared password (``SharedPasswordAuthenticator``, JupyterHub's successor of the
DummyAuthenticator's password); trainers listed in ``KIT_HUB_TRAINERS`` (comma-separated) with
the trainer password.  ``SimpleLocalProcessSpawner`` runs every user's server as this OS user,
in its own home folder: fine for a test, never for learners (no isolation between users).

The learners' environment comes from ``deploy/tljh/jupyterhub_config.d/kit.py``, the file a
TLJH server uses, loaded below.  Their servers run this venv's ``jupyterhub-singleuser``, so they
load the Jupyter server extensions installed here, nbgitpuller among them (the ``hub`` extra):
``kit hub link`` links work as on a real hub, also for a ``file://`` repository on this machine.

Ports (environment, default): ``KIT_HUB_PORT`` (8000) the public proxy, ``KIT_HUB_API_PORT``
(8081) the hub itself, ``KIT_PROXY_API_PORT`` (8001) the proxy's REST API.  The proxy is
``KIT_HUB_PROXY`` or the configurable-http-proxy that ``deploy/local/install_proxy.py`` put in
``.venv/hub-proxy``, else the one on PATH.
"""
import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

state = Path(os.environ.get("KIT_HUB_STATE") or "/tmp/kit-hub").resolve()
state.mkdir(parents=True, exist_ok=True)


def _port(variable, default):
    return int(os.environ.get(variable) or default)


def _proxy_command():
    given = os.environ.get("KIT_HUB_PROXY")
    if given:
        return given
    local = ROOT / ".venv" / "hub-proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
    return str(local) if local.exists() else (shutil.which("configurable-http-proxy") or "configurable-http-proxy")


c = get_config()  # noqa: F821

c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = _port("KIT_HUB_PORT", 8000)
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = _port("KIT_HUB_API_PORT", 8081)
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True          # stopping the hub stops every user's server
c.ConfigurableHTTPProxy.command = [_proxy_command()]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{_port('KIT_PROXY_API_PORT', 8001)}"
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")

c.JupyterHub.authenticator_class = "shared-password"
c.Authenticator.allow_all = True               # anyone with the shared password
c.Authenticator.admin_users = {n.strip() for n in os.environ.get("KIT_HUB_TRAINERS", "").split(",") if n.strip()}
for variable, name in [("KIT_PROGRESS_URL_FILE", "progress-url"),
                       ("KIT_LEARNER_PASSWORD_FILE", "learner-password"),
                       ("KIT_TRAINER_PASSWORD_FILE", "trainer-password")]:
    os.environ.setdefault(variable, str(state / name))     # kit.py reads the secrets from here

c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(state / "home" / "{username}")
c.Spawner.cmd = [str(Path(sys.executable).parent / "jupyterhub-singleuser")]
if hasattr(os, "geteuid") and os.geteuid() == 0:
    c.Spawner.args = ["--allow-root"]      # CI containers run as root
c.Spawner.start_timeout = 180              # a slow, shared 2-core machine
c.Spawner.http_timeout = 180

load_subconfig(str(HERE.parent / "tljh" / "jupyterhub_config.d" / "kit.py"))  # noqa: F821
