"""A workshop on a real JupyterHub: three learners answer a quiz, the trainer's dashboard shows them.

PostgreSQL (``pgserver``, the ``pg_url`` fixture) holds the one progress store.  JupyterHub runs
from ``deploy/local/jupyterhub_config.py``, which loads the TLJH snippet
``deploy/tljh/jupyterhub_config.d/kit.py`` (the learners' environment), with the shared-password
authenticator, ``SimpleLocalProcessSpawner`` (every user's server is this OS user, in a home under
``tmp_path``) and configurable-http-proxy (npm; ``python deploy/local/install_proxy.py``), on free
ports of 127.0.0.1.

Alice takes the learner's real path, in Chromium: she opens the module-00 link that
``kitlib.hub.nbgitpuller_link`` builds for a git repository of the project's current commit
(``file://``, made in ``tmp_path``), meets the hub's login page, logs in with the shared password,
waits while the hub spawns her server and nbgitpuller (the server extension every single-user
server of this venv loads) clones the kit into her home, lands in JupyterLab on
``notebooks/00_welcome.ipynb`` in that clone, runs it (Run > Run All Cells, which also records the
module as completed) and answers the quiz's first question with the mouse.

Bob and Carol log in through the hub's login form too, ask the hub for a token, start their
servers through the hub's REST API and run the module's quiz cells in a kernel of their own
server, through the proxy (REST + the kernel websocket): the Quiz widget itself, answered with
``set_response`` and a click on its "Check answer" button.  Neither store URL nor learner name is
given in any cell: they come from the hub's spawner environment.  The trainer (a hub admin)
uploads ``notebooks/trainer/dashboard.ipynb`` to their server and runs its code cells in order,
as "Run All" does; the test reads what the cells displayed.

Why only one learner in Chromium: four JupyterLab front ends on a 2-core CI machine take minutes;
one proves the path a learner takes (link, login, spawn, clone, JupyterLab, a click that reaches
the store), and the kernel protocol exercises the others' servers exactly as a browser would.
Screenshots: ``build/test-artifacts/browser/`` (or ``$KIT_ARTIFACTS``), named after this test.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from kitlib.hub import nbgitpuller_link
from kitlib.learn.bank import load_bank
from kitlib.learn.store import ProgressStore
from link_in_browser import (CHROMIUM, HAVE_CHROMIUM, cloned_commit, follow_link, is_git_checkout,
                             kit_repository, prepare_lab_home)

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "local" / "jupyterhub_config.py"
BIN = Path(sys.executable).parent
JUPYTERHUB = BIN / "jupyterhub"
LOCAL_PROXY = ROOT / ".venv" / "hub-proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
PROXY = os.environ.get("KIT_HUB_PROXY") or (str(LOCAL_PROXY) if LOCAL_PROXY.exists()
                                            else shutil.which("configurable-http-proxy"))
LEARNER_PASSWORD = "kit-workshop-" + uuid.uuid4().hex[:8]
TRAINER_PASSWORD = "kit-trainer-" + uuid.uuid4().hex            # 44 characters: admins need 32+
LEARNERS = ("alice", "bob", "carol")
TRAINER = "trainer"
TIMEOUT = 240.0           # s: hub start, a server spawn, a cell; the machine is slow and shared

try:
    import jupyterhub  # noqa: F401
    HAVE_HUB = JUPYTERHUB.exists()
except ImportError:
    HAVE_HUB = False
try:
    import nbgitpuller  # noqa: F401
    HAVE_NBGITPULLER = True
except ImportError:
    HAVE_NBGITPULLER = False

pytestmark = [
    pytest.mark.hub,
    pytest.mark.browser,
    pytest.mark.skipif(not HAVE_NBGITPULLER, reason="nbgitpuller is not installed: pip install -e .[hub]"),
    pytest.mark.skipif(not HAVE_CHROMIUM, reason=f"no Chromium at {CHROMIUM} (apt-get install chromium, "
                                                 "or set KIT_CHROMIUM to a Chromium binary)"),
    pytest.mark.skipif(not shutil.which("git") or not is_git_checkout(ROOT),
                       reason=f"needs git and a git checkout at {ROOT} (the link pulls its current commit)"),
    pytest.mark.skipif(not HAVE_HUB, reason=f"JupyterHub is not installed ({JUPYTERHUB} missing): "
                                            "pip install jupyterhub"),
    pytest.mark.skipif(not PROXY or not Path(PROXY).exists(),
                       reason="configurable-http-proxy not found: run `python deploy/local/install_proxy.py` "
                              "(needs Node.js 20+ and npm) or set KIT_HUB_PROXY"),
]


# -- the hub -----------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Hub:
    url: str
    proc: subprocess.Popen
    log: Path
    homes: Path

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _write_secret(path: Path, text: str) -> None:
    path.write_text(text + "\n")
    path.chmod(0o600)


def _wait_for_hub(hub: Hub) -> None:
    import requests

    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if hub.proc.poll() is not None:
            raise RuntimeError(f"jupyterhub exited with {hub.proc.returncode}:\n{hub.log_tail()}")
        with suppress(requests.RequestException):
            if requests.get(f"{hub.url}/hub/api", timeout=5).status_code == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"no answer from {hub.url}/hub/api in {TIMEOUT:.0f} s:\n{hub.log_tail()}")


def _family(pid: int) -> list:
    import psutil
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _stop(proc: subprocess.Popen) -> list:
    """SIGTERM the hub (it stops the users' servers and the proxy), then its process group, then
    anything it started in a session of its own (kernels); returns the processes still alive."""
    import psutil

    family = _family(proc.pid)
    for child in _family(proc.pid):
        if child not in family:
            family.append(child)
    with suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        pass
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    for child in family:
        with suppress(psutil.NoSuchProcess):
            child.kill()
    gone, alive = psutil.wait_procs(family, timeout=15)
    return alive


@pytest.fixture
def hub(tmp_path, pg_url):
    state = tmp_path / "hub"
    state.mkdir()
    _write_secret(state / "progress-url", pg_url)
    _write_secret(state / "learner-password", LEARNER_PASSWORD)
    _write_secret(state / "trainer-password", TRAINER_PASSWORD)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIT_", "JUPYTER"))}
    env.update({
        "PATH": str(BIN) + os.pathsep + env.get("PATH", ""),
        "KIT_HUB_STATE": str(state), "KIT_HUB_PORT": str(port),
        "KIT_HUB_API_PORT": str(_free_port()), "KIT_PROXY_API_PORT": str(_free_port()),
        "KIT_HUB_PROXY": str(PROXY), "KIT_HUB_TRAINERS": TRAINER, "KIT_LANG": "en",
    })
    log = tmp_path / "jupyterhub.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(JUPYTERHUB), "-f", str(CONFIG)], cwd=state, env=env,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    running = Hub(f"http://127.0.0.1:{port}", proc, log, state / "home")
    try:
        _wait_for_hub(running)
        yield running
    finally:
        leftovers = _stop(proc)
    assert not leftovers, f"processes left running after the hub stopped: {leftovers}"


# -- a user: the login form, a token, a server, kernels -------------------------------------------

@dataclass
class User:
    hub: Hub
    name: str
    token: str = ""
    session: object = field(default=None, repr=False)

    @property
    def headers(self) -> dict:
        return {"Authorization": f"token {self.token}"}

    def api(self, method: str, path: str, **kwargs):
        response = self.session.request(method, f"{self.hub.url}{path}", headers=self.headers,
                                        timeout=60, **kwargs)
        if response.status_code >= 400:
            raise AssertionError(f"{method} {path} as {self.name}: HTTP {response.status_code} "
                                 f"{response.text[:500]}\n--- hub log ---\n{self.hub.log_tail()}")
        return response


def log_in(hub: Hub, name: str, password: str):
    """The hub's login form, as a browser fills it; returns the requests session (hub cookie)."""
    import requests

    session = requests.Session()
    session.get(f"{hub.url}/hub/login", timeout=60).raise_for_status()
    response = session.post(f"{hub.url}/hub/login", allow_redirects=False, timeout=60,
                            data={"username": name, "password": password,
                                  "_xsrf": session.cookies.get("_xsrf", "")})
    return session, response


def learner_session(hub: Hub, name: str, password: str) -> User:
    """Log in, then ask the hub for an API token with the login cookie (as JupyterLab's token page does)."""
    session, response = log_in(hub, name, password)
    assert response.status_code == 302, (f"{name} could not log in: HTTP {response.status_code}\n"
                                         f"{hub.log_tail()}")
    created = session.post(f"{hub.url}/hub/api/users/{name}/tokens", timeout=60,
                           headers={"X-XSRFToken": session.cookies.get("_xsrf", "")},
                           json={"note": "kit end-to-end test", "expires_in": 3600})
    assert created.status_code == 201, f"token for {name}: HTTP {created.status_code} {created.text[:300]}"
    return User(hub, name, created.json()["token"], session)


def start_server(user: User) -> None:
    user.api("POST", f"/hub/api/users/{user.name}/server")
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        model = user.api("GET", f"/hub/api/users/{user.name}").json()
        server = model.get("servers", {}).get("")
        if server and server.get("ready"):
            return
        if user.hub.proc.poll() is not None:
            raise RuntimeError(f"the hub exited while {user.name}'s server started:\n{user.hub.log_tail()}")
        time.sleep(0.5)
    raise AssertionError(f"{user.name}'s server was not ready in {TIMEOUT:.0f} s:\n{user.hub.log_tail()}")


class Kernel:
    """A notebook session in a user's server, through the proxy, and its kernel websocket."""

    def __init__(self, user: User, path: str):
        import websocket

        self.user = user
        model = user.api("POST", f"/user/{user.name}/api/sessions",
                         json={"path": path, "type": "notebook", "name": path,
                               "kernel": {"name": "python3"}}).json()
        self.session_id, self.kernel_id = model["id"], model["kernel"]["id"]
        ws_url = user.hub.url.replace("http://", "ws://", 1)
        self.ws = websocket.create_connection(
            f"{ws_url}/user/{user.name}/api/kernels/{self.kernel_id}/channels?session_id={uuid.uuid4().hex}",
            header=[f"Authorization: token {user.token}"], timeout=TIMEOUT)
        self.client_session = uuid.uuid4().hex

    def run(self, code: str) -> list[dict]:
        """Execute one cell; its outputs (stream text and display data), or AssertionError with the traceback."""
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": self.user.name,
                       "session": self.client_session, "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        outputs, reply, idle = [], None, False
        deadline = time.monotonic() + TIMEOUT
        while reply is None or not idle:
            if time.monotonic() > deadline:
                raise AssertionError(f"cell did not finish in {TIMEOUT:.0f} s as {self.user.name}:\n{code}")
            msg = json.loads(self.ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if msg["channel"] == "iopub":
                if kind in ("stream", "execute_result", "display_data", "error"):
                    outputs.append({"type": kind, **msg["content"]})
                elif kind == "status" and msg["content"]["execution_state"] == "idle":
                    idle = True
            elif msg["channel"] == "shell" and kind == "execute_reply":
                reply = msg["content"]
        if reply["status"] != "ok":
            trace = "\n".join(reply.get("traceback", [])) or f"{reply.get('ename')}: {reply.get('evalue')}"
            raise AssertionError(f"cell failed as {self.user.name}:\n{code}\n--- traceback ---\n{trace}")
        return outputs

    def close(self) -> None:
        with suppress(Exception):
            self.ws.close()
        self.user.api("DELETE", f"/user/{self.user.name}/api/sessions/{self.session_id}")


def printed(outputs: list[dict]) -> str:
    return "".join(o.get("text", "") for o in outputs if o["type"] == "stream")


def shown(outputs: list[dict]) -> str:
    """Everything the cell displayed: text/plain and text/html of results and display data."""
    parts = []
    for o in outputs:
        data = o.get("data", {})
        parts += [data.get("text/html", ""), data.get("text/plain", "")]
    return "\n".join(parts)


# -- the workshop -----------------------------------------------------------------------------------

QUESTION = load_bank("00").questions[0]
RIGHT = QUESTION.answer
WRONG = [o.id for o in QUESTION.options if o.id != RIGHT]
#: what each learner clicks, in order: right at once; wrong, then right; wrong twice
CHOICES = {"alice": [RIGHT], "bob": [WRONG[0], RIGHT], "carol": [WRONG[1], WRONG[0]]}
IN_BROWSER = "alice"                 # by the nbgitpuller link, in Chromium; the others by kernel
BY_KERNEL = tuple(name for name in LEARNERS if name != IN_BROWSER)
MODULE_NOTEBOOK = "notebooks/00_welcome.ipynb"

LEARNER_CELLS = [
    # the module's first cell, as in notebooks/00_welcome.ipynb
    'from kitlib import learn\nmodule = learn.start("00")\nmodule',
    # the module's quiz cell
    "quiz = module.quiz()\nquiz",
]


#: run after the dashboard notebook, in the trainer's kernel: what the dashboard computed
FACTS_CELL = f"""import json
tabs = dash.tables()
done = tabs["completion"]
first = tabs["first_try"].set_index("item").loc[{QUESTION.id!r}]
wrong = tabs["wrong_answers"][tabs["wrong_answers"]["item"] == {QUESTION.id!r}]
print(json.dumps({{"preview": dash.preview is not None, "url": dash.store.safe_url,
    "completion": dict(zip(done.loc[done["module"] == "00", "learner"], done.loc[done["module"] == "00", "status"])),
    "first_try": {{k: int(first[k]) for k in ("learners", "first_try_right", "solved")}},
    "wrong": {{a: int(n) for a, n in zip(wrong["answer"], wrong["count"])}}}}))"""


def answer_cell(option: str) -> str:
    return (f"quiz.set_response({option!r})\nquiz.check_button.click()\n"
            "import json\nprint(json.dumps({'learner': module.learner, 'store': module.store.safe_url,\n"
            "    'attempts': quiz.state.attempts, 'solved': quiz.state.solved,\n"
            "    'saved': quiz.store_error is None}))")


def learner_answers(hub: Hub, name: str) -> list[dict]:
    user = learner_session(hub, name, LEARNER_PASSWORD)
    start_server(user)
    kernel = Kernel(user, "00_welcome.ipynb")
    try:
        header = shown(kernel.run(LEARNER_CELLS[0]))
        assert name in header, f"the module header does not name the learner {name}:\n{header}"
        kernel.run(LEARNER_CELLS[1])
        reports = [json.loads(printed(kernel.run(answer_cell(option))).strip().splitlines()[-1])
                   for option in CHOICES[name]]
    finally:
        kernel.close()
    return reports


@pytest.fixture
def shots(request):
    """Numbered screenshots of the browser learner's steps (the browser tests' Artifacts)."""
    from servers import Artifacts, artifacts_dir, safe_name

    kept = Artifacts(safe_name(request.node.name), artifacts_dir())
    kept.clear_old()
    return kept


def test_learners_join_by_link_in_chromium_and_by_kernel_and_the_trainer_dashboard_shows_all(
        hub, pg_url, shots, tmp_path):
    # A wrong shared password is refused: the hub really checks it.
    _, refused = log_in(hub, "mallory", "not-the-workshop-password")
    assert refused.status_code == 403

    # The kit as the trainer publishes it, and the module-00 link the trainer hands out.
    (tmp_path / "git").mkdir()
    kit = kit_repository(tmp_path / "git")
    link = nbgitpuller_link(hub.url, kit.url, kit.branch, MODULE_NOTEBOOK)
    prepare_lab_home(hub.homes / IN_BROWSER)
    alice_clicks = next(o for o in QUESTION.options if o.id == CHOICES[IN_BROWSER][0])   # the right one

    # The trainer's server starts while the learners work: Alice in Chromium, Bob and Carol by kernel.
    trainer = learner_session(hub, TRAINER, TRAINER_PASSWORD)
    with ThreadPoolExecutor(max_workers=len(LEARNERS) + 1) as pool:
        trainer_ready = pool.submit(start_server, trainer)
        browsed = pool.submit(follow_link, link, IN_BROWSER, LEARNER_PASSWORD, QUESTION, alice_clicks,
                              shots, hub.log_tail)
        futures = {name: pool.submit(learner_answers, hub, name) for name in BY_KERNEL}
        reports = {name: future.result() for name, future in futures.items()}
        visit = browsed.result()
        trainer_ready.result()

    # Alice's tab went login → (spawn) → git-pull → JupyterLab, on the module in her clone ...
    user_path = f"/user/{IN_BROWSER}/"
    assert any("/hub/login" in url for url in visit.visited), visit.visited
    pulled = [url for url in visit.visited if f"{user_path}git-pull" in url]
    assert pulled, f"the tab never went through nbgitpuller: {visit.visited}"
    folder = parse_qs(urlsplit(link).query)["targetpath"][0]        # the clone's folder, "pipl-kit"
    assert urlsplit(visit.landed).path == f"{user_path}lab/tree/{folder}/{MODULE_NOTEBOOK}", visit.landed
    clone = hub.homes / IN_BROWSER / folder
    assert (clone / MODULE_NOTEBOOK).is_file(), sorted(p.name for p in (hub.homes / IN_BROWSER).iterdir())
    assert cloned_commit(clone) == kit.commit            # the commit the link named, not a copy of this tree
    # ... every code cell of it ran, without an error, in a kernel that is idle again ...
    assert visit.notebook and visit.notebook["path"] == f"{folder}/{MODULE_NOTEBOOK}", visit.notebook
    assert visit.notebook["kernel"] == "idle"
    assert all(c["count"] is not None and not c["errors"] for c in visit.notebook["cells"]), visit.notebook
    # ... and her click was judged right and saved.
    assert "Correct" in visit.quiz_text and "Not yet" not in visit.quiz_text, visit.quiz_text

    # Each kernel saw its hub name and the one PostgreSQL store, and saved every answer.
    for name, answers in reports.items():
        assert [r["learner"] for r in answers] == [name] * len(CHOICES[name])
        assert all(r["store"].startswith("postgresql+psycopg://") and r["saved"] for r in answers), answers
        assert [r["attempts"] for r in answers] == list(range(1, len(CHOICES[name]) + 1))
    assert [r["solved"] for r in reports["bob"]] == [False, True]

    # The answers landed in the ONE store, under the learners' hub names, each in their own home.
    store = ProgressStore(pg_url)
    try:
        rows = store.attempts(module="00")
    finally:
        store.close()
    assert set(rows["learner"]) == set(LEARNERS)
    for name in LEARNERS:
        mine = rows[rows["learner"] == name].sort_values("attempt")
        assert list(mine["item"]) == [QUESTION.id] * len(CHOICES[name])
        assert list(mine["answer"]) == CHOICES[name]
        assert list(mine["correct"]) == [option == RIGHT for option in CHOICES[name]]
        assert (hub.homes / name).is_dir()

    # The trainer is an admin of the hub: sees every user.
    users = {u["name"] for u in trainer.api("GET", "/hub/api/users").json()}
    assert users >= set(LEARNERS) | {TRAINER}

    # The trainer opens the dashboard notebook in their server and runs it, cell by cell.
    notebook = json.loads((ROOT / "notebooks" / "trainer" / "dashboard.ipynb").read_text("utf-8"))
    trainer.api("PUT", f"/user/{TRAINER}/api/contents/dashboard.ipynb",
                json={"type": "notebook", "format": "json", "content": notebook})
    opened = trainer.api("GET", f"/user/{TRAINER}/api/contents/dashboard.ipynb").json()["content"]
    kernel = Kernel(trainer, "dashboard.ipynb")
    try:
        screens = []
        for cell in opened["cells"]:
            if cell["cell_type"] == "code":
                source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
                screens.append((source, shown(kernel.run(source))))
        facts = json.loads(printed(kernel.run(FACTS_CELL)))
    finally:
        kernel.close()

    # The dashboard read the real store (not its simulated preview class) ...
    assert facts["preview"] is False and facts["url"].startswith("postgresql+psycopg://"), facts
    # ... its completion grid, as displayed, names all three learners and not the trainer ...
    grid = next(screen for source, screen in screens if source.strip() == "dash.grid")
    for name in LEARNERS:
        assert name in grid, f"{name} missing from the completion grid:\n{grid}"
    # (Alice ran her whole notebook, its last cell module.complete() included.)
    assert facts["completion"] == {"alice": "completed", "bob": "started", "carol": "started"}
    # ... and their answers: one right at the first try, two solved, the wrong answers counted.
    assert facts["first_try"] == {"learners": 3, "first_try_right": 1, "solved": 2}
    labels = {o.id: o.label("en") for o in QUESTION.options}
    assert facts["wrong"] == {labels[WRONG[0]]: 2, labels[WRONG[1]]: 1}
