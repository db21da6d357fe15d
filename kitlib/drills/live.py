"""A drill run shared across kernels: the facilitator's kernel publishes it to a SQL store, each
role's page (another kernel, another machine) follows it.

    >>> publisher = Publisher(run, "sqlite:///drill-live.sqlite")       # doctest: +SKIP
    >>> publisher.run_id                                                # doctest: +SKIP
    'q3JYk0f2Vb1rTz8x'
    >>> follower = Follower("sqlite:///drill-live.sqlite", publisher.run_id, "legal")  # doctest: +SKIP
    >>> follower.poll(); follower.board()["injects"]                    # doctest: +SKIP

One store, addressed by a SQLAlchemy URL (``KIT_LIVE_URL``, else ``live.sqlite`` in the kit's data
folder): an SQLite file in WAL mode where every page is served from the facilitator's machine
(``kit exercise join ... --lan``; never put the file on a network share: WAL needs shared memory
on one host), PostgreSQL (``postgresql+psycopg://...``) for a hub where pages run elsewhere.

What is stored is what participants may see, and no more:

* ``live_events``: every event of ``Run.events``, numbered by the engine's own ``seq`` (1, 2 ...
  without gaps, per run id).  Injects carry their title, sender, medium, text, attachments and
  discussion questions, and are addressed in ``live_recipients`` (one row per role), so a role's
  query returns only its own injects; decisions taken (title, chosen option, consequence) and an
  ending (title, debrief) are for everyone, as the console's status line shows them; notes, task
  answers and acknowledgements are kept as kind and id only (no free text, no answers).  An inject
  is written when the engine releases it, never before: an unreleased inject is not in the store.
* ``live_runs``: the package's title, roles and length, the clock's minute and whether the run
  ended, as of the last ``sync``.
* ``live_open``: per role, the decisions open for it at the last ``sync``.

Run ids are ``secrets.token_urlsafe(12)`` (96 random bits): a participant joins with the run id
and a role.  A follower reads the events after the last one it has seen, so one that starts late,
or loses its connection and comes back, catches up with everything so far.
"""
from __future__ import annotations

import json
import os
import re
import secrets
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..db import record_engine
from .engine import Run

__all__ = ["LiveError", "LiveStore", "Publisher", "Follower", "participant_board", "open_decisions",
           "event_record", "new_run_id", "check_run_id", "default_url", "ENV_URL"]

ENV_URL = "KIT_LIVE_URL"
RUN_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
_EPS = 1e-9
_SCHEMA_LOCK = 0x6B69746C   # PostgreSQL advisory lock held while creating the tables ("kitl")

metadata = sa.MetaData()

live_runs = sa.Table(
    "live_runs", metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("engine_run", sa.String(64), nullable=False),     # Run.run_id (the report's folder)
    sa.Column("package", sa.String(200), nullable=False),
    sa.Column("header", sa.Text, nullable=False),               # JSON: title, roles, duration
    sa.Column("now", sa.Float, nullable=False),
    sa.Column("ended", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("updated_at", sa.String(32), nullable=False),
)

live_events = sa.Table(
    "live_events", metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("t", sa.Float, nullable=False),
    sa.Column("audience", sa.String(12), nullable=False),      # all | roles | facilitator
    sa.Column("payload", sa.Text, nullable=False),             # JSON, what participants may read
    sa.Column("written_at", sa.String(32), nullable=False),
)

live_recipients = sa.Table(
    "live_recipients", metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("role", sa.String(80), primary_key=True),
)

live_open = sa.Table(
    "live_open", metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(80), primary_key=True),
    sa.Column("decisions", sa.Text, nullable=False),           # JSON list
)


class LiveError(ValueError):
    """A store, run id or role problem, in one line."""


def _utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0]


def new_run_id() -> str:
    """A run id nobody can guess: 16 characters, 96 random bits."""
    return secrets.token_urlsafe(12)


def check_run_id(run_id) -> str:
    if not isinstance(run_id, str) or not RUN_ID.fullmatch(run_id.strip()):
        raise LiveError(f"run id must be the code the facilitator's console shows (8 to 64 letters, digits, "
                        f"- or _), got {run_id!r}")
    return run_id.strip()


def default_url() -> str:
    """``KIT_LIVE_URL`` if set, else ``live.sqlite`` in the kit's data folder."""
    url = os.environ.get(ENV_URL, "").strip()
    if url:
        return url
    from ..learn.paths import data_dir

    return f"sqlite:///{data_dir() / 'live.sqlite'}"


# -- what participants may see, from a Run ------------------------------------------------------

def _audience(kind: str) -> str:
    return "roles" if kind == "inject" else "all" if kind in ("start", "decision", "ending", "end") else "facilitator"


def event_record(run: Run, event: dict) -> dict:
    """The publishable form of one engine event: seq, kind, t, audience, recipients, payload."""
    kind, package = event["kind"], run.package
    payload: dict = {}
    recipients: list[str] = []
    if kind == "inject":
        inject = package.inject(event["id"])
        recipients = list(inject.recipients)
        payload = {"id": inject.id, "title": inject.title.to_dict(), "sender": inject.sender.to_dict(),
                   "medium": inject.medium, "text": inject.text.to_dict(), "attachments": list(inject.attachments),
                   "questions": [q.to_dict() for q in inject.questions]}
    elif kind == "decision":
        decision = package.decision(event["id"])
        option = decision.option(event["option"])
        payload = {"id": decision.id, "role": event["role"], "title": decision.title.to_dict(),
                   "option": option.id, "option_title": option.text.to_dict(),
                   "consequence": option.consequence.to_dict()}
    elif kind == "ending":
        payload = {"id": event["id"], "title": event["title"], "debrief": event.get("debrief")}
    elif kind in ("task", "acknowledge", "note"):
        payload = {k: event[k] for k in ("id", "role") if event.get(k) is not None}
    return {"seq": int(event["seq"]), "kind": kind, "t": float(event["t"]), "audience": _audience(kind),
            "recipients": recipients, "payload": payload}


def run_header(run: Run) -> dict:
    p = run.package
    return {"title": p.title.to_dict(), "duration": float(p.duration_minutes),
            "roles": [{"id": r.id, "title": r.title.to_dict()} for r in p.roles]}


def open_decisions(run: Run) -> dict[str, list[dict]]:
    """Per role (every role of the package), the decisions open for it now, in package order."""
    out: dict[str, list[dict]] = {r.id: [] for r in run.package.roles}
    if run.ended:
        return out
    now = run.now()
    for d in run.package.decisions:
        if d.id in run.decided or d.open_at > now + _EPS or (d.close_at is not None and now > d.close_at + _EPS):
            continue
        out.setdefault(d.role, []).append({"id": d.id, "title": d.title.to_dict(), "prompt": d.prompt.to_dict(),
                                           "options": [o.text.to_dict() for o in d.options]})
    return out


def _visible(record: dict, role: str) -> bool:
    return record["audience"] == "all" or (record["audience"] == "roles" and role in record["recipients"])


class _RoleBoard:
    """What one role sees, built from the records visible to it and the last published state."""

    def __init__(self, header: dict, role: str):
        roles = {r["id"]: r["title"] for r in header["roles"]}
        self.header, self.role, self.role_title = header, role, roles[role]
        self.roles = roles
        self.injects: list[dict] = []
        self.outcomes: list[dict] = []
        self.now, self.ended, self.decisions = 0.0, False, []

    def add(self, record: dict) -> None:
        kind, payload = record["kind"], record["payload"]
        if kind == "inject":
            self.injects.append({**payload, "seq": record["seq"], "t": record["t"]})
        elif kind == "decision":
            self.outcomes.append({"kind": "decision", "seq": record["seq"], "t": record["t"], **payload,
                                  "role_title": self.roles.get(payload["role"], {"zh-CN": payload["role"],
                                                                                 "en": payload["role"]})})
        elif kind == "ending":
            self.outcomes.append({"kind": "ending", "seq": record["seq"], "t": record["t"], **payload})
        elif kind == "end":
            self.ended = True

    def set_state(self, now: float, ended: bool, decisions: list[dict]) -> None:
        self.now, self.ended = float(now), bool(ended) or self.ended
        self.decisions = [] if self.ended else list(decisions)

    def to_dict(self) -> dict:
        return {"role": self.role, "role_title": self.role_title, "title": self.header["title"],
                "now": self.now, "duration": self.header["duration"], "ended": self.ended,
                "decisions": list(self.decisions),
                "outcomes": sorted(self.outcomes, key=lambda o: o["seq"]),
                "injects": sorted(self.injects, key=lambda i: i["seq"], reverse=True)}


def participant_board(run: Run, role: str) -> dict:
    """What ``role`` sees of ``run`` now, as plain data: the same a ``Follower`` rebuilds from the
    store after the publisher's last sync (``kitlib.ui.console.participant_html`` draws it)."""
    board = _RoleBoard(run_header(run), role)
    for event in run.events:
        record = event_record(run, event)
        if _visible(record, role):
            board.add(record)
    board.set_state(run.now(), run.ended, open_decisions(run).get(role, []))
    return board.to_dict()


# -- the store -----------------------------------------------------------------------------------

class LiveStore:
    """The tables of live runs at one database URL: created when missing, unless ``create=False``
    (a participant's side: an SQLite file that is not there is a LiveError, not a new store)."""

    def __init__(self, url: str | None = None, *, busy_timeout: float = 30.0, create: bool = True):
        self.url = url or default_url()
        if not create:
            try:
                parsed = sa.engine.make_url(self.url)
            except (sa.exc.ArgumentError, ValueError):
                raise LiveError(f"not a database URL: {self.safe_url!r}") from None
            database = parsed.database or ""
            if (parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:")
                    and not database.startswith("file:") and not Path(database).expanduser().is_file()):
                raise LiveError(f"no live store at {database}: check --store / KIT_LIVE_URL")
        try:
            self.engine = record_engine(self.url, busy_timeout)
        except (sa.exc.ArgumentError, ValueError, ImportError) as exc:
            raise LiveError(f"cannot use the live store {self.safe_url}: {_first_line(exc)}") from None
        except OSError as exc:
            raise LiveError(f"cannot create the folder of the live store {self.safe_url}: "
                            f"{exc.strerror or exc}") from None
        if not create:
            return
        try:
            with self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":     # two kernels opening a fresh store at once
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
                metadata.create_all(conn, checkfirst=True)
        except IntegrityError:                            # created by another process just now
            pass
        except SQLAlchemyError as exc:
            self.engine.dispose()
            raise LiveError(f"cannot open the live store at {self.safe_url}: {_first_line(exc)}") from None

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages."""
        try:
            return sa.engine.make_url(self.url).render_as_string(hide_password=True)
        except (sa.exc.ArgumentError, ValueError):
            return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", str(self.url))

    def close(self) -> None:
        self.engine.dispose()

    def _reading(self):
        return self.engine.connect().execution_options(reading=True)

    # -- the facilitator's side -------------------------------------------------------------------
    def create(self, run: Run, run_id: str) -> None:
        """Register ``run`` under ``run_id``; LiveError when the id is taken by another run."""
        header = run_header(run)
        stamp = _utc()
        try:
            with self.engine.begin() as conn:
                row = conn.execute(sa.select(live_runs.c.engine_run).where(live_runs.c.run_id == run_id)).first()
                if row is not None:
                    if row.engine_run != run.run_id:
                        raise LiveError(f"run id {run_id!r} is already used by another run in {self.safe_url}")
                    return
                conn.execute(live_runs.insert().values(
                    run_id=run_id, engine_run=run.run_id, package=run.package.id, header=_json(header),
                    now=float(run.now()), ended=bool(run.ended), created_at=stamp, updated_at=stamp))
        except IntegrityError:
            raise LiveError(f"run id {run_id!r} is already used by another run in {self.safe_url}") from None
        except SQLAlchemyError as exc:
            raise LiveError(f"cannot write to the live store {self.safe_url}: {_first_line(exc)}") from None

    def write(self, run: Run, run_id: str) -> int:
        """Append ``run``'s events not stored yet and its state now, in one transaction; how many
        events were new."""
        state = open_decisions(run)
        try:
            with self.engine.begin() as conn:
                head = conn.execute(sa.select(sa.func.coalesce(sa.func.max(live_events.c.seq), 0))
                                    .where(live_events.c.run_id == run_id)).scalar_one()
                fresh = [event_record(run, e) for e in run.events if e["seq"] > head]
                stamp = _utc()
                for record in fresh:
                    conn.execute(live_events.insert().values(
                        run_id=run_id, seq=record["seq"], kind=record["kind"], t=record["t"],
                        audience=record["audience"], payload=_json(record["payload"]), written_at=stamp))
                    for role in record["recipients"]:
                        conn.execute(live_recipients.insert().values(run_id=run_id, seq=record["seq"], role=role))
                updated = conn.execute(live_runs.update().where(live_runs.c.run_id == run_id).values(
                    now=float(run.now()), ended=bool(run.ended), updated_at=stamp))
                if updated.rowcount == 0:
                    raise LiveError(f"no live run {run_id!r} in {self.safe_url} (was the store emptied?)")
                conn.execute(live_open.delete().where(live_open.c.run_id == run_id))
                for role, decisions in state.items():
                    conn.execute(live_open.insert().values(run_id=run_id, role=role, decisions=_json(decisions)))
        except SQLAlchemyError as exc:
            raise LiveError(f"cannot write to the live store {self.safe_url}: {_first_line(exc)}") from None
        return len(fresh)

    # -- a participant's side ---------------------------------------------------------------------
    def header(self, run_id: str) -> dict:
        """The run's package title, roles and length; LiveError when there is no such run."""
        run_id = check_run_id(run_id)
        try:
            with self._reading() as conn:
                row = conn.execute(sa.select(live_runs.c.header).where(live_runs.c.run_id == run_id)).first()
        except (sa.exc.OperationalError, sa.exc.ProgrammingError) as exc:
            if "no such table" in str(exc) or "does not exist" in str(exc):
                raise LiveError(f"no live run {run_id!r} in {self.safe_url}: no run was ever published there") from None
            raise LiveError(f"cannot read the live store {self.safe_url}: {_first_line(exc)}") from None
        except SQLAlchemyError as exc:
            raise LiveError(f"cannot read the live store {self.safe_url}: {_first_line(exc)}") from None
        if row is None:
            raise LiveError(f"no live run {run_id!r} in {self.safe_url}: check the run id the facilitator's "
                            "console shows, and the store (--store / KIT_LIVE_URL)")
        return json.loads(row.header)

    def read(self, run_id: str, role: str, after: int) -> dict:
        """What ``role`` may see that changed since event ``after``: {head, records, now, ended,
        decisions}.  ``head`` is read first and bounds the records, so an event written meanwhile
        is read next time, whatever the database's isolation level."""
        visible = sa.or_(live_events.c.audience == "all", sa.and_(
            live_events.c.audience == "roles",
            sa.exists().where(live_recipients.c.run_id == live_events.c.run_id,
                              live_recipients.c.seq == live_events.c.seq, live_recipients.c.role == role)))
        try:
            with self._reading() as conn, conn.begin():
                head = conn.execute(sa.select(sa.func.coalesce(sa.func.max(live_events.c.seq), 0))
                                    .where(live_events.c.run_id == run_id)).scalar_one()
                rows = conn.execute(sa.select(live_events.c.seq, live_events.c.kind, live_events.c.t,
                                              live_events.c.audience, live_events.c.payload)
                                    .where(live_events.c.run_id == run_id, live_events.c.seq > after,
                                           live_events.c.seq <= head, visible)
                                    .order_by(live_events.c.seq)).mappings().all()
                state = conn.execute(sa.select(live_runs.c.now, live_runs.c.ended)
                                     .where(live_runs.c.run_id == run_id)).first()
                open_row = conn.execute(sa.select(live_open.c.decisions).where(
                    live_open.c.run_id == run_id, live_open.c.role == role)).first()
        except SQLAlchemyError as exc:
            raise LiveError(f"cannot read the live store {self.safe_url}: {_first_line(exc)}") from None
        if state is None:
            raise LiveError(f"no live run {run_id!r} in {self.safe_url} any more")
        records = [{"seq": r["seq"], "kind": r["kind"], "t": float(r["t"]), "audience": r["audience"],
                    "recipients": [role] if r["audience"] == "roles" else [], "payload": json.loads(r["payload"])}
                   for r in rows]
        return {"head": int(head), "records": records, "now": float(state.now), "ended": bool(state.ended),
                "decisions": json.loads(open_row.decisions) if open_row is not None else []}


def _store(store, create: bool = True) -> tuple[LiveStore, bool]:
    """(store, owned): a LiveStore given, or one opened here from a URL (or the default)."""
    if isinstance(store, LiveStore):
        return store, False
    return LiveStore(store, create=create), True


# -- the two sides -------------------------------------------------------------------------------

class Publisher:
    """Publishes ``run`` to the store at ``store`` (a URL, a ``LiveStore`` or None for the default).

    The run is registered at once (with the events so far); call ``sync()`` after every action
    (``FacilitatorConsole(run, publish=...)`` does, on every change it announces).  A failed sync
    loses nothing: the next one writes whatever the store does not have yet.
    """

    def __init__(self, run: Run, store=None, *, run_id: str | None = None):
        self.run = run
        self.run_id = new_run_id() if run_id is None else check_run_id(run_id)
        self.store, self._owned = _store(store)
        self.store.create(run, self.run_id)
        self.sync()

    @property
    def url(self) -> str:
        return self.store.url

    def sync(self, _run=None) -> int:
        """Write the events not published yet and the run's state now; how many events were new."""
        return self.store.write(self.run, self.run_id)

    def join_command(self, role: str = "ROLE") -> str:
        """The command a participant's page is served with (the store's password hidden)."""
        store = "" if self.store.url == default_url() else f" --store {self.store.safe_url}"
        return f"kit exercise join --run {self.run_id} --role {role}{store}"

    def close(self) -> None:
        if self._owned:
            self.store.close()


class Follower:
    """Follows run ``run_id`` as ``role`` from the store at ``store``: ``poll()`` reads what
    changed, ``board()`` is what the role sees (the same as ``participant_board`` on the run)."""

    def __init__(self, store, run_id: str, role: str):
        self.run_id = check_run_id(run_id)
        self.store, self._owned = _store(store, create=False)
        try:
            header = self.store.header(self.run_id)
            roles = [r["id"] for r in header["roles"]]
            if role not in roles:
                raise LiveError(f"unknown role {role!r} for run {self.run_id} (one of: {', '.join(roles)})")
        except LiveError:
            self.close()
            raise
        self.role, self.header = role, header
        self.seen = 0                  # the last event seq read (visible to this role or not)
        self._board = _RoleBoard(header, role)
        self._state: tuple | None = None

    @property
    def ended(self) -> bool:
        return self._board.ended

    def poll(self) -> bool:
        """Read the events after the last one seen and the run's state; True when the board changed.
        LiveError (one line) when the store cannot be read; nothing is lost: poll again later."""
        got = self.store.read(self.run_id, self.role, self.seen)
        for record in got["records"]:
            self._board.add(record)
        self.seen = max(self.seen, got["head"])
        state = (got["now"], got["ended"], _json(got["decisions"]))
        changed = bool(got["records"]) or state != self._state
        self._state = state
        self._board.set_state(got["now"], got["ended"], got["decisions"])
        return changed

    def board(self) -> dict:
        return self._board.to_dict()

    def close(self) -> None:
        if self._owned:
            self.store.close()
