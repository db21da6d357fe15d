"""Load and validate a tabletop package: ``exercises/<name>/exercise.yaml`` plus its attachments.

``validate(path)`` returns every problem and never raises; ``load_package(path)`` returns a
``Package`` or raises ``PackageError`` listing every problem, one line each, as
``exercise.yaml:LINE: field.path: message``.  The YAML is read with ``yaml.compose`` so that
every value keeps its line.  The engine runs only a Package that ``load_package`` returned
(``is_validated``; not a copy or a hand-made one), so a broken package never half-runs.

    >>> str(Problem("exercise.yaml", 12, "injects[2].recipients[0]", "unknown role 'it-lead'"))
    "exercise.yaml:12: injects[2].recipients[0]: unknown role 'it-lead'"
"""
from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from dataclasses import replace as _replace
from pathlib import Path

import yaml

from .checkers import known_checkers
from .model import (KINDS, LANGS, MEDIA, Capability, Criterion, Decision, Inject, Option, Package, Role, Task, Text,
                    Variant)

__all__ = ["Problem", "PackageError", "load_package", "validate", "PACKAGE_FILE", "DISPUTE_FILE", "is_validated"]

PACKAGE_FILE = "exercise.yaml"
DISPUTE_FILE = "dispute.yaml"       # a dispute role-play's folder holds this instead (kind: dispute)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_VALIDATED: "weakref.WeakValueDictionary[int, Package]" = weakref.WeakValueDictionary()


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a package, at a file, line and field path."""
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field + ': ' if self.field else ''}{self.message}"


class PackageError(ValueError):
    """A package that did not validate; ``problems`` holds every problem, ``str`` one per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def is_validated(package) -> bool:
    """True for a Package made by ``load_package`` (the only kind the engine runs)."""
    return isinstance(package, Package) and _VALIDATED.get(id(package)) is package


def validate(path) -> list[Problem]:
    """Every problem in the package at ``path`` (its folder or its exercise.yaml); [] if none."""
    return _Reader(path).read()[1]


def load_package(path) -> Package:
    """The validated package at ``path``, or PackageError listing every problem."""
    package, problems = _Reader(path).read()
    if problems:
        raise PackageError(problems)
    _VALIDATED[id(package)] = package
    return package


# -- reading YAML with lines -------------------------------------------------------------------

class _Node:
    """A YAML value with its line; mappings and lists hold _Nodes."""
    __slots__ = ("value", "line")

    def __init__(self, value, line: int):
        self.value, self.line = value, line


def _located(node, loader, problems, file) -> _Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                problems.append(Problem(file, key_node.start_mark.line + 1, "", "keys must be plain names"))
                continue
            if key in out:
                problems.append(Problem(file, key_node.start_mark.line + 1, key,
                                        f"duplicate key (first at line {out[key].line})"))
                continue
            out[key] = _located(value_node, loader, problems, file)
        return _Node(out, line)
    if isinstance(node, yaml.SequenceNode):
        return _Node([_located(item, loader, problems, file) for item in node.value], line)
    return _Node(loader.construct_object(node, deep=True), line)


def _plain(node: _Node | None):
    if node is None:
        return None
    if isinstance(node.value, dict):
        return {k: _plain(v) for k, v in node.value.items()}
    if isinstance(node.value, list):
        return [_plain(v) for v in node.value]
    return node.value


# -- the reader --------------------------------------------------------------------------------

class _Reader:
    """Reads one package, collecting problems instead of stopping at the first."""

    def __init__(self, path):
        path = Path(path)
        self.yaml_path = path if path.suffix in (".yaml", ".yml") and not path.is_dir() else path / PACKAGE_FILE
        if self.yaml_path == path / PACKAGE_FILE and not self.yaml_path.exists() and (path / DISPUTE_FILE).is_file():
            self.yaml_path = path / DISPUTE_FILE
        self.folder = self.yaml_path.parent
        self.file = self.yaml_path.name
        self.problems: list[Problem] = []

    # problems ---------------------------------------------------------------------------------
    def bad(self, node_or_line, field: str, message: str) -> None:
        line = node_or_line.line if isinstance(node_or_line, _Node) else int(node_or_line)
        self.problems.append(Problem(self.file, line, field, message))

    # scalar readers (each returns None after reporting a problem) --------------------------------
    def mapping(self, node: _Node, field: str, allowed: tuple[str, ...], required: tuple[str, ...]) -> dict | None:
        if not isinstance(node.value, dict):
            self.bad(node, field, "must be a mapping of fields")
            return None
        for key, value in node.value.items():
            if key not in allowed:
                self.bad(value, _join(field, key), f"unknown field {key!r}")
        for key in required:
            if key not in node.value:
                self.bad(node, field or "(top)", f"missing field {key!r}")
        return node.value

    def seq(self, node: _Node | None, field: str, *, required: bool = False) -> list[_Node]:
        if node is None or node.value is None:
            return []
        if not isinstance(node.value, list):
            self.bad(node, field, "must be a list")
            return []
        if required and not node.value:
            self.bad(node, field, "must not be empty")
        return node.value

    def ident(self, node: _Node | None, field: str) -> str | None:
        if node is None:
            return None
        if not isinstance(node.value, str) or not _ID.match(node.value):
            self.bad(node, field, f"not a valid id {node.value!r} (letters, digits, '-' and '_')")
            return None
        return node.value

    def text(self, node: _Node | None, field: str) -> Text | None:
        if node is None:
            return None
        if not isinstance(node.value, dict):
            self.bad(node, field, "must give the text in both languages (zh-CN: ..., en: ...)")
            return None
        for key, value in node.value.items():
            if key not in LANGS:
                self.bad(value, _join(field, key), f"unknown language {key!r} (use zh-CN and en)")
        values = []
        for lang in LANGS:
            value = node.value.get(lang)
            if value is None:
                self.bad(node, field, f"missing language {lang!r}")
            elif not isinstance(value.value, str) or not value.value.strip():
                self.bad(value, _join(field, lang), "must be a non-empty text")
                value = None
            values.append(value.value.strip() if value is not None else None)
        return Text(*values) if None not in values else None

    def texts(self, node: _Node | None, field: str) -> tuple[Text, ...]:
        return tuple(t for i, item in enumerate(self.seq(node, field)) if (t := self.text(item, f"{field}[{i}]")))

    def number(self, node: _Node | None, field: str, *, minimum: float = 0, default=None):
        if node is None:
            return default
        v = node.value
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v:
            self.bad(node, field, f"must be a number, got {v!r}")
            return default
        if v < minimum:
            self.bad(node, field, f"must be {minimum} or more, got {v}")
            return default
        return v

    def minute(self, node: _Node | None, field: str, default=None):
        """A time on the exercise clock: a number from 0 to the duration."""
        if node is None:
            return default
        v = node.value
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or v < 0:
            self.bad(node, field, f"bad time {v!r}: must be minutes from 0 to {_fmt(self.duration)}")
            return default
        if self.duration is not None and v > self.duration:
            self.bad(node, field, f"bad time {_fmt(v)}: after the end of the exercise ({_fmt(self.duration)} minutes)")
            return default
        return float(v)

    def boolean(self, node: _Node | None, field: str, default: bool = False) -> bool:
        if node is None:
            return default
        if not isinstance(node.value, bool):
            self.bad(node, field, f"must be true or false, got {node.value!r}")
            return default
        return node.value

    def unique(self, seen: dict, item_id: str | None, node: _Node, field: str) -> None:
        if item_id is None:
            return
        if item_id in seen:
            self.bad(node, field, f"duplicate id {item_id!r} (first at line {seen[item_id]})")
        else:
            seen[item_id] = node.line

    # the whole package -----------------------------------------------------------------------
    def read(self) -> tuple[Package | None, list[Problem]]:
        try:
            source = self.yaml_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None, [Problem(self.file, 0, "", f"no {PACKAGE_FILE} at {self.folder}")]
        except (OSError, UnicodeDecodeError) as exc:
            return None, [Problem(self.file, 0, "", f"cannot read: {getattr(exc, 'strerror', None) or exc}")]
        try:
            loader = yaml.SafeLoader(source)
            try:
                root = loader.get_single_node()
                if root is None:
                    return None, [Problem(self.file, 1, "", "the file is empty")]
                top = _located(root, loader, self.problems, self.file)
            finally:
                loader.dispose()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            message = f"YAML syntax error: {exc.problem or exc.context}"
            if exc.context and exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
                message += f" ({exc.context} that starts at line {exc.context_mark.line + 1})"
            return None, [Problem(self.file, mark.line + 1 if mark else 0, "", message)]
        except yaml.YAMLError as exc:
            return None, [Problem(self.file, 0, "", f"YAML syntax error: {str(exc).splitlines()[0]}")]
        package = self._package(top)
        self.problems.sort()
        return (None if self.problems else package), self.problems

    def _package(self, top: _Node) -> Package | None:
        self.duration = None
        m = self.mapping(top, "", ("id", "title", "duration_minutes", "audience", "objectives", "capabilities",
                                   "roles", "scenario", "injects", "decisions", "tasks", "criteria", "variants", "kind"),
                         ("id", "title", "duration_minutes", "audience", "objectives", "capabilities", "roles",
                          "scenario", "injects", "criteria"))
        if m is None:
            return None
        package_id = self.ident(m.get("id"), "id")
        kind = m["kind"].value if "kind" in m else "drill"
        if kind not in KINDS:
            self.bad(m["kind"], "kind", f"unknown kind {kind!r} (one of: {', '.join(KINDS)})")
            kind = "drill"
        title = self.text(m.get("title"), "title")
        if m.get("duration_minutes") is not None:
            self.duration = self.number(m["duration_minutes"], "duration_minutes", minimum=1)
        audience = self.text(m.get("audience"), "audience")
        objectives = self.texts(m.get("objectives"), "objectives")
        scenario = self.text(m.get("scenario"), "scenario")
        capabilities = self._capabilities(m.get("capabilities"))
        roles = self._roles(m.get("roles"))
        self.ids: dict[str, int] = {}          # injects, decisions, tasks, criteria: one namespace
        self.inject_nodes: dict[str, tuple[_Node, int]] = {}
        self.option_ids: dict[str, set[str]] = {}
        injects = [self._inject(n, i, roles) for i, n in enumerate(self.seq(m.get("injects"), "injects", required=True))]
        decisions = [self._decision(n, i, roles) for i, n in enumerate(self.seq(m.get("decisions"), "decisions"))]
        tasks = [self._task(n, i) for i, n in enumerate(self.seq(m.get("tasks"), "tasks"))]
        criteria = [self._criterion(n, i, capabilities) for i, n in enumerate(self.seq(m.get("criteria"), "criteria", required=True))]
        self._cross_check(injects, decisions)
        self._check_endings(m, kind, injects, decisions)
        self._check_met_by(criteria, tasks)
        variants = self._variants(m.get("variants"), injects, decisions, tasks, criteria)
        parts = [package_id, title, self.duration, audience, scenario, *injects, *decisions, *tasks, *criteria, *variants]
        if self.problems or any(p is None for p in parts):
            return None
        return Package(package_id, title, float(self.duration), audience, objectives, tuple(capabilities.values()),
                       tuple(roles.values()), scenario, tuple(injects), tuple(decisions), tuple(tasks),
                       tuple(criteria), tuple(variants), self.folder, kind=kind)

    def _capabilities(self, node) -> dict[str, Capability]:
        out: dict[str, Capability] = {}
        seen: dict[str, int] = {}
        for i, n in enumerate(self.seq(node, "capabilities", required=node is not None)):
            f = f"capabilities[{i}]"
            m = self.mapping(n, f, ("id", "title"), ("id", "title"))
            if m is None:
                continue
            cid = self.ident(m.get("id"), f"{f}.id")
            self.unique(seen, cid, m.get("id", n), f"{f}.id")
            title = self.text(m.get("title"), f"{f}.title")
            if cid:             # known even with a bad title, so that references do not cascade
                out.setdefault(cid, Capability(cid, title))
        return out

    def _roles(self, node) -> dict[str, Role]:
        out: dict[str, Role] = {}
        seen: dict[str, int] = {}
        for i, n in enumerate(self.seq(node, "roles", required=node is not None)):
            f = f"roles[{i}]"
            m = self.mapping(n, f, ("id", "title", "min", "max"), ("id", "title"))
            if m is None:
                continue
            rid = self.ident(m.get("id"), f"{f}.id")
            self.unique(seen, rid, m.get("id", n), f"{f}.id")
            title = self.text(m.get("title"), f"{f}.title")
            low = self.number(m.get("min"), f"{f}.min", minimum=0, default=1)
            high = self.number(m.get("max"), f"{f}.max", minimum=1, default=max(1, low))
            if not float(low).is_integer() or not float(high).is_integer():
                self.bad(n, f, "min and max are whole numbers of people")
            elif high < low:
                self.bad(m.get("max", n), f"{f}.max", f"max {high} is less than min {low}")
            if rid:
                out.setdefault(rid, Role(rid, title, int(low), int(high)))
        return out

    def _role_ref(self, node, field, roles) -> str | None:
        rid = self.ident(node, field)
        if rid is not None and rid not in roles:
            self.bad(node, field, f"unknown role {rid!r}")
            return None
        return rid

    def _inject(self, n, i, roles) -> Inject | None:
        f = f"injects[{i}]"
        m = self.mapping(n, f, ("id", "title", "at", "after", "delay", "sender", "recipients", "medium", "text",
                                "attachments", "expected_actions", "questions", "ending", "debrief"),
                         ("id", "title", "sender", "recipients", "medium", "text"))
        if m is None:
            return None
        iid = self.ident(m.get("id"), f"{f}.id")
        self.unique(self.ids, iid, m.get("id", n), f"{f}.id")
        if iid:
            self.inject_nodes.setdefault(iid, (n, i))
        if "at" in m and "after" in m:
            self.bad(m["after"], f"{f}.after", "give either 'at' or 'after', not both")
        at = self.minute(m.get("at"), f"{f}.at")
        after = m["after"].value if "after" in m else None
        if after is not None and not isinstance(after, str):
            self.bad(m["after"], f"{f}.after", f"must name an inject or decision, got {after!r}")
            after = None
        delay = self.minute(m.get("delay"), f"{f}.delay", default=0.0)
        if "delay" in m and "at" in m:
            self.bad(m["delay"], f"{f}.delay", "a delay applies only to an inject released by a trigger")
        recipients = tuple(rid for j, r in enumerate(self.seq(m.get("recipients"), f"{f}.recipients", required=True))
                           if (rid := self._role_ref(r, f"{f}.recipients[{j}]", roles)))
        medium = m.get("medium")
        if medium is not None and medium.value not in MEDIA:
            self.bad(medium, f"{f}.medium", f"unknown medium {medium.value!r} (one of: {', '.join(MEDIA)})")
        attachments = []
        for j, a in enumerate(self.seq(m.get("attachments"), f"{f}.attachments")):
            name = self._attachment(a, f"{f}.attachments[{j}]")
            if name:
                attachments.append(name)
        parts = dict(id=iid, title=self.text(m.get("title"), f"{f}.title"),
                     sender=self.text(m.get("sender"), f"{f}.sender"), recipients=recipients,
                     medium=medium.value if medium else None, text=self.text(m.get("text"), f"{f}.text"))
        expected = self.texts(m.get("expected_actions"), f"{f}.expected_actions")
        questions = self.texts(m.get("questions"), f"{f}.questions")
        ending = self.boolean(m.get("ending"), f"{f}.ending")
        debrief = self.text(m.get("debrief"), f"{f}.debrief")
        if "debrief" in m and not ending:
            self.bad(m["debrief"], f"{f}.debrief", "only an ending (ending: true) has a debrief")
        if iid is None:           # other missing parts were reported; keep it for the cross-checks
            return None
        return Inject(**parts, at=at, after=after, delay=delay, attachments=tuple(attachments),
                      expected_actions=expected, questions=questions, ending=ending, debrief=debrief)

    def _attachment(self, node, field) -> str | None:
        name = node.value
        if not isinstance(name, str) or not name.strip():
            self.bad(node, field, "must be a file name beside exercise.yaml")
            return None
        target = (self.folder / name).resolve()
        if Path(name).is_absolute() or self.folder.resolve() not in target.parents:
            self.bad(node, field, f"attachment {name!r} is outside the package folder")
            return None
        if not target.is_file():
            self.bad(node, field, f"missing attachment {name!r}")
            return None
        return name

    def _window(self, m, f: str) -> tuple[float, float | None]:
        """A decision's or task's ``open_at`` (default 0) and ``close_at`` (none), in that order."""
        open_at = self.minute(m.get("open_at"), f"{f}.open_at", default=0.0)
        close_at = self.minute(m.get("close_at"), f"{f}.close_at")
        if close_at is not None and close_at < open_at:
            self.bad(m["close_at"], f"{f}.close_at", f"bad time {_fmt(close_at)}: before open_at {_fmt(open_at)}")
        return open_at, close_at

    def _decision(self, n, i, roles) -> Decision | None:
        f = f"decisions[{i}]"
        m = self.mapping(n, f, ("id", "role", "title", "prompt", "options", "open_at", "close_at"),
                         ("id", "role", "title", "prompt", "options"))
        if m is None:
            return None
        did = self.ident(m.get("id"), f"{f}.id")
        self.unique(self.ids, did, m.get("id", n), f"{f}.id")
        role = self._role_ref(m.get("role"), f"{f}.role", roles)
        open_at, close_at = self._window(m, f)
        options, seen = [], {}
        option_nodes = self.seq(m.get("options"), f"{f}.options", required=True)
        if len(option_nodes) == 1:
            self.bad(m["options"], f"{f}.options", "a decision needs at least two options")
        for j, o in enumerate(option_nodes):
            g = f"{f}.options[{j}]"
            om = self.mapping(o, g, ("id", "text", "consequence", "releases", "points", "expected"),
                              ("id", "text", "consequence"))
            if om is None:
                continue
            oid = self.ident(om.get("id"), f"{g}.id")
            self.unique(seen, oid, om.get("id", o), f"{g}.id")
            releases = tuple((r.value, r, f"{g}.releases[{k}]")
                             for k, r in enumerate(self.seq(om.get("releases"), f"{g}.releases")))
            option = (oid, self.text(om.get("text"), f"{g}.text"), self.text(om.get("consequence"), f"{g}.consequence"),
                      releases, self.number(om.get("points"), f"{g}.points", minimum=float("-inf"), default=0),
                      self.boolean(om.get("expected"), f"{g}.expected"))
            options.append(option)
        if did:
            self.option_ids[did] = {o[0] for o in options if o[0]}
        parts = (did, role, self.text(m.get("title"), f"{f}.title"), self.text(m.get("prompt"), f"{f}.prompt"))
        if did is None:
            return None
        return Decision(*parts, options=tuple(Option(o[0], o[1], o[2], o[3], o[4], o[5]) for o in options),
                        open_at=open_at, close_at=close_at)

    def _task(self, n, i) -> Task | None:
        f = f"tasks[{i}]"
        m = self.mapping(n, f, ("id", "title", "prompt", "check", "points", "params", "open_at", "close_at"),
                         ("id", "title", "prompt", "check"))
        if m is None:
            return None
        tid = self.ident(m.get("id"), f"{f}.id")
        self.unique(self.ids, tid, m.get("id", n), f"{f}.id")
        check = m.get("check")
        if check is not None and check.value not in known_checkers():
            self.bad(check, f"{f}.check", f"unknown checker {check.value!r} (known: {', '.join(sorted(known_checkers()))})")
            check = None
        params = m.get("params")
        if params is not None and not isinstance(params.value, dict):
            self.bad(params, f"{f}.params", "must be a mapping")
            params = None
        open_at, close_at = self._window(m, f)
        parts = (tid, self.text(m.get("title"), f"{f}.title"), self.text(m.get("prompt"), f"{f}.prompt"))
        if tid is None:
            return None
        return Task(*parts, check=check.value if check is not None else None, points=self.number(m.get("points"), f"{f}.points", default=0),
                    params=_plain(params) or {}, open_at=open_at, close_at=close_at)

    def _criterion(self, n, i, capabilities) -> Criterion | None:
        f = f"criteria[{i}]"
        m = self.mapping(n, f, ("id", "capability", "title", "points", "deadline_minutes", "met_by", "require"),
                         ("id", "capability", "title", "points", "met_by"))
        if m is None:
            return None
        cid = self.ident(m.get("id"), f"{f}.id")
        self.unique(self.ids, cid, m.get("id", n), f"{f}.id")
        cap = self.ident(m.get("capability"), f"{f}.capability")
        if cap is not None and cap not in capabilities:
            self.bad(m["capability"], f"{f}.capability", f"unknown capability {cap!r}")
            cap = None
        require = m.get("require")
        if require is not None and require.value not in ("any", "all"):
            self.bad(require, f"{f}.require", f"must be 'any' or 'all', got {require.value!r}")
        met_by = tuple((r.value, r, f"{f}.met_by[{j}]")
                       for j, r in enumerate(self.seq(m.get("met_by"), f"{f}.met_by", required=True)))
        parts = (cid, cap, self.text(m.get("title"), f"{f}.title"),
                 self.number(m.get("points"), f"{f}.points", default=None))
        deadline = self.minute(m.get("deadline_minutes"), f"{f}.deadline_minutes")
        if cid is None:
            return None
        return Criterion(*parts, met_by=met_by, require=require.value if require is not None else "any",
                         deadline_minutes=deadline)

    # cross-references -------------------------------------------------------------------------
    def _cross_check(self, injects, decisions) -> None:
        """Releases, after:, met_by and inject reachability; replaces located refs by plain ids."""
        inject_ids = set(self.inject_nodes)
        released = set()
        for d_index, d in enumerate(decisions):
            if d is None:
                continue
            options = []
            for o in d.options:
                ids = []
                for value, node, field in o.releases:
                    if value not in inject_ids:
                        self.bad(node, field, f"unknown inject {value!r}")
                        continue
                    target = next((x for x in injects if x is not None and x.id == value), None)
                    if target is not None and target.at is not None:
                        self.bad(node, field, f"inject {value!r} has a time (at:); a released inject must not")
                    released.add(value)
                    ids.append(value)
                options.append(_replace(o, releases=tuple(ids)))
            decisions[d_index] = _replace(d, options=tuple(options))
        for inject in injects:
            if inject is None:
                continue
            node, i = self.inject_nodes[inject.id]
            if inject.after is not None:
                if not self._trigger_known(inject.after):
                    self.bad(node.value["after"], f"injects[{i}].after", f"unknown inject or decision {inject.after!r}")
            elif "at" not in node.value and inject.id not in released:
                self.bad(node, f"injects[{i}]", f"inject {inject.id!r} is never released (no at, after or releases)")
        self._cycles({x.id: x.after for x in injects if x is not None})

    def _check_endings(self, m, kind, injects, decisions) -> None:
        """An ending has a trigger (after:, or an option's releases) or a time; a dispute has a
        debrief for each ending and at least one ending that can be reached."""
        released = {r for d in decisions if d is not None for o in d.options for r in o.releases}
        endings = [x for x in injects if x is not None and x.ending]
        for x in endings:
            node, i = self.inject_nodes[x.id]
            if x.at is None and x.after is None and x.id not in released:
                self.bad(node, f"injects[{i}].ending", f"ending {x.id!r} needs a trigger (after:) or a time (at:)")
            if kind == "dispute" and x.debrief is None and "debrief" not in node.value:
                self.bad(node, f"injects[{i}]", f"ending {x.id!r} of a dispute needs a debrief (zh-CN and en)")
        if kind != "dispute":
            return
        if not endings:
            self.bad(m["injects"] if "injects" in m else 1, "injects", "a dispute needs at least one ending (ending: true)")
            return
        reachable = reachable_injects([x for x in injects if x is not None], [d for d in decisions if d is not None])
        if not any(x.id in reachable for x in endings):
            self.bad(m["injects"], "injects", "no ending of this dispute can be reached")

    def _trigger_known(self, ref: str) -> bool:
        if ref in self.inject_nodes or ref in self.option_ids:
            return True
        decision, _, option = ref.partition(".")
        return option in self.option_ids.get(decision, ())

    def _cycles(self, after: dict[str, str | None]) -> None:
        """Report each cycle of ``after:`` chains once (at the first inject on it)."""
        reported: set[str] = set()
        for start in after:
            path, node = [], start
            while node in after and node not in path:
                path.append(node)
                node = after[node]
            if node in path and node not in reported:
                cycle = path[path.index(node):]
                reported.update(cycle)
                n, i = self.inject_nodes[cycle[0]]
                self.bad(n.value.get("after", n), f"injects[{i}].after",
                         f"cycle in after: {' -> '.join(cycle + [cycle[0]])}")

    # variants ---------------------------------------------------------------------------------
    def _variants(self, node, injects, decisions, tasks, criteria) -> list[Variant | None]:
        out: list[Variant | None] = []
        seen: dict[str, int] = {}
        by_id = {x.id: x for x in injects if x is not None}
        for i, n in enumerate(self.seq(node, "variants")):
            f = f"variants[{i}]"
            m = self.mapping(n, f, ("id", "title", "overrides"), ("id", "title"))
            if m is None:
                out.append(None)
                continue
            vid = self.ident(m.get("id"), f"{f}.id")
            self.unique(seen, vid, m.get("id", n), f"{f}.id")
            title = self.text(m.get("title"), f"{f}.title")
            overrides = self._overrides(m.get("overrides"), f"{f}.overrides", by_id, decisions, tasks, criteria)
            out.append(Variant(vid, title, overrides) if vid and title and overrides is not None else None)
        return out

    def _check_met_by(self, criteria, tasks) -> None:
        task_ids = {t.id for t in tasks if t is not None}
        for c_index, c in enumerate(criteria):
            if c is not None:
                criteria[c_index] = _replace(c, met_by=self._refs(c.met_by, task_ids))

    def _refs(self, located, task_ids) -> tuple[str, ...]:
        """The met_by references that name a decision (option), task or inject; others reported."""
        refs = []
        for value, node, field in located:
            if not isinstance(value, str):
                self.bad(node, field, f"must name a decision option, task or inject, got {value!r}")
            elif value in task_ids or value in self.inject_nodes or self._trigger_known(value):
                refs.append(value)
            else:
                self.bad(node, field, f"unknown decision option, task or inject {value!r}")
        return tuple(refs)

    def _overrides(self, node, f, injects, decisions, tasks, criteria) -> dict | None:
        if node is None:
            return {}
        m = self.mapping(node, f, ("injects", "decisions", "tasks", "criteria", "evidence"), ())
        if m is None:
            return None
        out: dict = {}
        decisions_by_id = {d.id: d for d in decisions if d is not None}
        tasks_by_id = {t.id: t for t in tasks if t is not None}
        criteria_by_id = {c.id: c for c in criteria if c is not None}
        if "injects" in m:
            out["injects"] = changes = {}
            after = {k: v.after for k, v in injects.items()}
            after_nodes = {}
            for iid, change in self._keyed(m["injects"], f"{f}.injects", injects, "inject"):
                g = f"{f}.injects.{iid}"
                cm = self.mapping(change, g, ("at", "after", "delay"), ())
                if cm is None:
                    continue
                changes[iid] = c = {}
                if "at" in cm:
                    c.update(at=self.minute(cm["at"], f"{g}.at"), after=None, delay=0.0)
                if "after" in cm:
                    if not isinstance(cm["after"].value, str) or not self._trigger_known(cm["after"].value):
                        self.bad(cm["after"], f"{g}.after", f"unknown inject or decision {cm['after'].value!r}")
                    else:
                        c.update(after=cm["after"].value, at=None)
                        after_nodes[iid] = (cm["after"], f"{g}.after")
                if "delay" in cm:
                    c["delay"] = self.minute(cm["delay"], f"{g}.delay", default=0.0)
                if "at" in cm and "after" in cm:
                    self.bad(cm["after"], f"{g}.after", "give either 'at' or 'after', not both")
                after[iid] = c.get("after", after[iid])
            for iid, (anode, afield) in after_nodes.items():
                self._cycles_from(after, iid, anode, afield)
        if "decisions" in m:
            out["decisions"] = changes = {}
            for did, change in self._keyed(m["decisions"], f"{f}.decisions", decisions_by_id, "decision"):
                g = f"{f}.decisions.{did}"
                cm = self.mapping(change, g, ("expected", "points", "open_at", "close_at"), ())
                if cm is None:
                    continue
                changes[did] = c = {}
                known = {o.id for o in decisions_by_id[did].options}
                if "points" in cm:
                    c["points"] = {}
                    for oid, pts in (cm["points"].value.items() if isinstance(cm["points"].value, dict) else ()):
                        if oid not in known:
                            self.bad(pts, f"{g}.points.{oid}", f"unknown option {oid!r} of decision {did!r}")
                        else:
                            c["points"][oid] = self.number(pts, f"{g}.points.{oid}", minimum=float("-inf"), default=0)
                    if not isinstance(cm["points"].value, dict):
                        self.bad(cm["points"], f"{g}.points", "must map option ids to points")
                for key in ("open_at", "close_at"):
                    if key in cm:
                        c[key] = self.minute(cm[key], f"{g}.{key}", default=getattr(decisions_by_id[did], key))
                if "expected" in cm:
                    expected = []
                    for j, e in enumerate(self.seq(cm["expected"], f"{g}.expected")):
                        if e.value not in known:
                            self.bad(e, f"{g}.expected[{j}]", f"unknown option {e.value!r} of decision {did!r}")
                        else:
                            expected.append(e.value)
                    c["expected"] = tuple(expected)
        if "tasks" in m:
            out["tasks"] = changes = {}
            for tid, change in self._keyed(m["tasks"], f"{f}.tasks", tasks_by_id, "task"):
                cm = self.mapping(change, f"{f}.tasks.{tid}", ("params",), ())
                if cm is not None and "params" in cm:
                    if not isinstance(cm["params"].value, dict):
                        self.bad(cm["params"], f"{f}.tasks.{tid}.params", "must be a mapping")
                    else:
                        changes[tid] = {"params": _plain(cm["params"])}
        if "criteria" in m:
            out["criteria"] = changes = {}
            for cid, change in self._keyed(m["criteria"], f"{f}.criteria", criteria_by_id, "criterion"):
                cm = self.mapping(change, f"{f}.criteria.{cid}", ("deadline_minutes", "points", "met_by"), ())
                if cm is None:
                    continue
                changes[cid] = c = {}
                if "met_by" in cm:
                    refs = [(r.value, r, f"{f}.criteria.{cid}.met_by[{j}]")
                            for j, r in enumerate(self.seq(cm["met_by"], f"{f}.criteria.{cid}.met_by", required=True))]
                    c["met_by"] = self._refs(refs, tasks_by_id)
                if "deadline_minutes" in cm:
                    c["deadline_minutes"] = self.minute(cm["deadline_minutes"], f"{f}.criteria.{cid}.deadline_minutes")
                if "points" in cm:
                    c["points"] = self.number(cm["points"], f"{f}.criteria.{cid}.points", default=criteria_by_id[cid].points)
        if "evidence" in m:
            if not isinstance(m["evidence"].value, dict):
                self.bad(m["evidence"], f"{f}.evidence", "must be a mapping of evidence parameters")
            else:
                out["evidence"] = _plain(m["evidence"])
        return out

    def _keyed(self, node, f, known: dict, what: str):
        """(id, change node) pairs of an overrides section, skipping (and reporting) unknown ids."""
        if not isinstance(node.value, dict):
            self.bad(node, f, f"must map {what} ids to changes")
            return
        for key, change in node.value.items():
            if key not in known:
                self.bad(change, f"{f}.{key}", f"unknown {what} {key!r}")
            else:
                yield key, change

    def _cycles_from(self, after: dict, start: str, node, field) -> None:
        path, current = [], start
        while current in after and current not in path:
            path.append(current)
            current = after[current]
        if current == start:
            self.bad(node, field, f"cycle in after: {' -> '.join(path + [start])}")


def reachable_injects(injects, decisions) -> set[str]:
    """Ids of injects some play can release: timed ones, those a decision (option) triggers or
    releases, and those that follow a reachable inject; endings release nothing after them."""
    refs = {d.id for d in decisions} | {f"{d.id}.{o.id}" for d in decisions for o in d.options}
    out = {x.id for x in injects if x.at is not None}
    out |= {r for d in decisions for o in d.options for r in o.releases}
    grown = True
    while grown:
        after_ok = refs | {x.id for x in injects if x.id in out and not x.ending}
        new = {x.id for x in injects if x.after is not None and x.after in after_ok} - out
        out |= new
        grown = bool(new)
    return out


def _join(field: str, key: str) -> str:
    return f"{field}.{key}" if field else key


def _fmt(value) -> str:
    return "?" if value is None else (str(int(value)) if float(value).is_integer() else str(value))
