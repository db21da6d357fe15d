"""The trainer's dashboard: who completed what, which questions trip the room up, time spent.

Pure functions over the progress store's two event logs (``store.attempts()`` and
``store.completions()``), so they are tested without widgets or a browser.  Each accepts a
``ProgressStore``, a :class:`Frames`, a ``(attempts, completions)`` pair or a mapping with those
two keys, and an optional list of module ids (default: the modules with progress, plus every
module available in the course).  Tables keep stable English column names and codes (status
``completed`` / ``started`` / ``not_started``); :func:`labelled` translates them for people,
and the CSV export writes the translated headers.

============================  ================================================================
table                         one row per
============================  ================================================================
``completion``                learner × module: status, questions answered, last completion
                              (time, score), and the share of the modules the learner completed
``first_try``                 module question: learners who answered, share right at their first
                              try, mean number of tries to get it right
``common_wrong_answers``      question × wrong answer (the ``top`` most frequent, all tries)
``time_spent``                learner × module with progress: seconds answering, seconds in the
                              module at completion, the room's medians
============================  ================================================================

A learner's tries at a question are ordered by the time of the answer (then its attempt number),
so merged files from several machines still count the true first try first.
"""
from __future__ import annotations

import html
import json
import os
import tempfile
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from ..i18n import LANGS, get_lang, normalize, t
from .bank import AnswerError, Bank, BankError, Question, load_bank
from .modules import available, catalogue
from .store import ProgressStore, StoreError, canonical
from ..atomic import write_text_atomic

ATTEMPT_COLUMNS = ["id", "learner", "module", "item", "attempt", "answer", "correct", "score", "seconds",
                   "started_at", "answered_at"]
COMPLETION_COLUMNS = ["id", "learner", "module", "score", "seconds", "completed_at"]

COMPLETION = ["learner", "module", "status", "answered", "questions", "completed_at", "score", "share_complete"]
FIRST_TRY = ["module", "item", "question", "kind", "learners", "first_try_right", "first_try_share", "solved",
             "mean_attempts_to_right"]
WRONG = ["module", "item", "question", "rank", "answer", "count", "share"]
TIME = ["learner", "module", "attempts", "answer_seconds", "completion_seconds", "room_median_answer_seconds",
        "room_median_completion_seconds"]
STATUSES = ("completed", "started", "not_started")
SHARES = ("share_complete", "first_try_share", "share")

# Fonts with Chinese glyphs, most common first (Linux, Windows, macOS); the first installed wins.
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
             "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "DengXian",
             "PingFang SC", "Hiragino Sans GB", "Heiti SC", "STHeiti", "Sarasa Gothic SC",
             "AR PL UMing CN", "Droid Sans Fallback", "Arial Unicode MS")


# -- input -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Frames:
    """The two event logs the dashboard reads, as the store returns them."""
    attempts: pd.DataFrame
    completions: pd.DataFrame

    @property
    def empty(self) -> bool:
        return self.attempts.empty and self.completions.empty


def _conform(frame: pd.DataFrame | None, columns: list[str]) -> pd.DataFrame:
    if frame is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"progress frame lacks column(s) {', '.join(missing)}")
    return frame


def frames(source: Any) -> Frames:
    """The attempts and completions behind ``source`` (a store, Frames, pair or mapping)."""
    if isinstance(source, Frames):
        return source
    if isinstance(source, Dashboard):
        return source.frames
    if isinstance(source, ProgressStore):
        attempts, completions = source.attempts(), source.completions()
    elif isinstance(source, Mapping):
        attempts, completions = source.get("attempts"), source.get("completions")
    elif isinstance(source, (tuple, list)) and len(source) == 2:
        attempts, completions = source
    else:
        raise TypeError(f"not a progress store or its frames: {type(source).__name__}")
    attempts = _conform(attempts, ATTEMPT_COLUMNS).copy()
    completions = _conform(completions, COMPLETION_COLUMNS).copy()
    attempts["correct"] = attempts["correct"].astype(bool)
    for column in ("score", "seconds"):
        attempts[column] = pd.to_numeric(attempts[column], errors="coerce")
        completions[column] = pd.to_numeric(completions[column], errors="coerce")
    attempts["attempt"] = pd.to_numeric(attempts["attempt"], errors="coerce")
    return Frames(attempts, completions)


def _bank(module: str) -> Bank | None:
    try:
        return load_bank(module)
    except (BankError, OSError, ValueError):
        return None


def _question(bank: Bank | None, item: str) -> Question | None:
    if bank is None:
        return None
    try:
        return bank.question(item)
    except KeyError:
        return None


def _modules(fr: Frames, modules: Iterable[str] | None) -> list[str]:
    if modules is not None:
        return list(dict.fromkeys(str(m) for m in modules))
    seen = set(fr.attempts["module"]) | set(fr.completions["module"]) | {m.id for m in available()}
    order = list(catalogue())
    return [m for m in order if m in seen] + sorted(seen - set(order))


def _items(module: str, attempts: pd.DataFrame) -> list[str]:
    """The module's questions in bank order, then any answered item the bank does not know."""
    bank = _bank(module)
    known = [q.id for q in bank] if bank is not None else []
    answered = attempts.loc[attempts["module"] == module, "item"]
    return known + sorted(set(answered) - set(known))


def _tries(attempts: pd.DataFrame) -> pd.DataFrame:
    """Attempts with ``try`` = 1, 2 ... per learner and question, in the order they were given."""
    ordered = attempts.sort_values(["learner", "module", "item", "answered_at", "attempt", "id"], kind="stable")
    ordered = ordered.reset_index(drop=True)
    ordered["try"] = ordered.groupby(["learner", "module", "item"], sort=False).cumcount() + 1
    return ordered


def _latest_completions(completions: pd.DataFrame) -> pd.DataFrame:
    latest = completions.sort_values(["completed_at", "id"], kind="stable")
    return latest.drop_duplicates(["learner", "module"], keep="last").set_index(["learner", "module"])


def _scoped(fr: Frames, modules: Iterable[str] | None) -> tuple[list[str], pd.DataFrame, pd.DataFrame]:
    mods = _modules(fr, modules)
    return (mods, fr.attempts[fr.attempts["module"].isin(mods)],
            fr.completions[fr.completions["module"].isin(mods)])


def _text(q: Question | None, item: str, lang: str | None) -> str:
    return q.text(lang) if q is not None else item


def _round(value: float, digits: int = 4) -> float:
    return float("nan") if value is None or pd.isna(value) else round(float(value), digits)


# -- tables ----------------------------------------------------------------------------------

def completion(source: Any, modules: Iterable[str] | None = None) -> pd.DataFrame:
    """Learner × module: ``status``, ``answered`` (distinct questions), ``questions`` in the bank,
    the latest completion's ``completed_at`` and ``score``, and ``share_complete`` (per learner:
    completed modules / modules shown).  Every learner with an answer or a completion has a row
    per module, so learners who answered but never completed are counted too."""
    fr = frames(source)
    mods, att, com = _scoped(fr, modules)
    learners = sorted(set(att["learner"]) | set(com["learner"]))
    answered = att.groupby(["learner", "module"])["item"].nunique().to_dict()
    latest = _latest_completions(com)
    sizes = {m: (len(b) if (b := _bank(m)) is not None else None) for m in mods}
    rows = []
    for learner in learners:
        for m in mods:
            done = (learner, m) in latest.index
            count = int(answered.get((learner, m), 0))
            status = "completed" if done else "started" if count else "not_started"
            row = latest.loc[(learner, m)] if done else None
            rows.append({"learner": learner, "module": m, "status": status, "answered": count,
                         "questions": sizes[m], "completed_at": row["completed_at"] if done else None,
                         "score": _round(row["score"]) if done else float("nan")})
    table = pd.DataFrame(rows, columns=COMPLETION[:-1])
    table["questions"] = table["questions"].astype("Int64")
    table["answered"] = table["answered"].astype(int)
    table["score"] = table["score"].astype(float)
    done = (table["status"] == "completed").astype(float)
    table["share_complete"] = done.groupby(table["learner"]).transform("mean").round(4)
    return table[COMPLETION]


def completion_grid(source: Any, modules: Iterable[str] | None = None, lang: str | None = None) -> pd.DataFrame:
    """The completion table (or ``source`` itself when it is one) as a learner × module grid for
    reading at a glance: ``✓ 80%`` completed (score), ``… 3/5`` answered, not completed, ``–``
    not started; the last column is the learner's share of modules completed."""
    table = source if isinstance(source, pd.DataFrame) else completion(source, modules)
    share_label = t("dash.col.share_complete", lang)

    def cell(row) -> str:
        if row["status"] == "completed":
            return "✓" if pd.isna(row["score"]) else f"✓ {row['score']:.0%}"
        if row["status"] == "started":
            total = "" if pd.isna(row["questions"]) else f"/{row['questions']}"
            return f"… {row['answered']}{total}"
        return "–"

    if table.empty:
        return pd.DataFrame(columns=[share_label])
    cells = table.assign(cell=table.apply(cell, axis=1))
    grid = cells.pivot(index="learner", columns="module", values="cell")
    grid = grid[list(dict.fromkeys(table["module"]))]
    grid[share_label] = table.groupby("learner")["share_complete"].first().map(lambda s: f"{s:.0%}")
    grid.index.name = t("dash.col.learner", lang)
    grid.columns.name = t("dash.col.module", lang)
    return grid


def first_try(source: Any, modules: Iterable[str] | None = None, lang: str | None = None) -> pd.DataFrame:
    """Per module question: ``learners`` who answered, ``first_try_right`` and ``first_try_share``
    (right at their first try), ``solved`` (right at some try) and ``mean_attempts_to_right``
    (over the learners who got it right: the try that was right).  ``question`` is the bank's
    text in ``lang`` (the current language by default), or the item id when there is no bank."""
    fr = frames(source)
    mods, att, _ = _scoped(fr, modules)
    tries = _tries(att)
    groups = dict(list(tries.groupby(["module", "item"], sort=False)))
    rows = []
    for m in mods:
        bank = _bank(m)
        for item in _items(m, att):
            q = _question(bank, item)
            g = groups.get((m, item))
            learners = 0 if g is None else g["learner"].nunique()
            first = 0 if g is None else int(g.loc[g["try"] == 1, "correct"].sum())
            right = pd.Series(dtype=float) if g is None else g[g["correct"]].groupby("learner")["try"].min()
            rows.append({"module": m, "item": item, "question": _text(q, item, lang),
                         "kind": q.kind if q is not None else None, "learners": learners,
                         "first_try_right": first,
                         "first_try_share": _round(first / learners) if learners else float("nan"),
                         "solved": int(len(right)),
                         "mean_attempts_to_right": _round(right.mean()) if len(right) else float("nan")})
    table = pd.DataFrame(rows, columns=FIRST_TRY)
    for column in ("learners", "first_try_right", "solved"):
        table[column] = table[column].astype(int)
    for column in ("first_try_share", "mean_attempts_to_right"):
        table[column] = table[column].astype(float)
    return table


def _answer_label(q: Question | None, answer: Any, lang: str | None) -> tuple[str, str]:
    """(grouping key, readable text) of one stored answer."""
    if q is not None:
        try:
            value = q.normalize(answer, lang)
            return canonical(value), q.label(value, lang)
        except (AnswerError, BankError, KeyError, StopIteration, TypeError, ValueError):
            pass
    return canonical(answer), json.dumps(answer, ensure_ascii=False)


def common_wrong_answers(source: Any, top: int = 3, modules: Iterable[str] | None = None,
                         lang: str | None = None) -> pd.DataFrame:
    """Per question, its ``top`` most frequent wrong answers over every try: ``count`` and
    ``share`` (of the question's wrong answers), shown with ``Question.label`` (the JSON text when
    the bank does not know the question).  Ties: the answer that reads first wins."""
    fr = frames(source)
    mods, att, _ = _scoped(fr, modules)
    wrong = att[~att["correct"]]
    rows = []
    for m in mods:
        bank = _bank(m)
        for item in _items(m, att):
            answers = wrong.loc[(wrong["module"] == m) & (wrong["item"] == item), "answer"]
            if answers.empty:
                continue
            q = _question(bank, item)
            counts: dict[str, list] = {}
            for answer in answers:
                key, label = _answer_label(q, answer, lang)
                counts.setdefault(key, [label, 0])[1] += 1
            ranked = sorted(counts.items(), key=lambda kv: (-kv[1][1], kv[0]))[:top]
            for rank, (_, (label, count)) in enumerate(ranked, 1):
                rows.append({"module": m, "item": item, "question": _text(q, item, lang), "rank": rank,
                             "answer": label, "count": count, "share": round(count / len(answers), 4)})
    table = pd.DataFrame(rows, columns=WRONG)
    for column in ("rank", "count"):
        table[column] = table[column].astype(int)
    table["share"] = table["share"].astype(float)
    return table


def time_spent(source: Any, modules: Iterable[str] | None = None) -> pd.DataFrame:
    """Per learner and module with progress: ``attempts``, ``answer_seconds`` (sum over answers),
    ``completion_seconds`` (the latest completion's, when recorded), and the room's medians per
    module (over learners with answers / with completion seconds)."""
    fr = frames(source)
    mods, att, com = _scoped(fr, modules)
    per = att.groupby(["learner", "module"]).agg(attempts=("id", "size"), answer_seconds=("seconds", "sum"))
    latest = _latest_completions(com)["seconds"].rename("completion_seconds")
    table = per.join(latest, how="outer").reset_index()
    table["attempts"] = table["attempts"].fillna(0).astype(int)
    table["answer_seconds"] = table["answer_seconds"].fillna(0.0).astype(float).round(1)
    table["completion_seconds"] = table["completion_seconds"].astype(float).round(1)
    with_answers = table[table["attempts"] > 0]
    table["room_median_answer_seconds"] = table["module"].map(
        with_answers.groupby("module")["answer_seconds"].median()).astype(float).round(1)
    table["room_median_completion_seconds"] = table["module"].map(
        table.groupby("module")["completion_seconds"].median()).astype(float).round(1)
    order = {m: n for n, m in enumerate(mods)}
    table = table.sort_values(["learner", "module"], key=lambda s: s.map(order) if s.name == "module" else s)
    return table.reset_index(drop=True)[TIME]


def tables(source: Any, modules: Iterable[str] | None = None, lang: str | None = None,
           top: int = 3) -> dict[str, pd.DataFrame]:
    """Every table, by the name its CSV file gets."""
    fr = frames(source)
    return {"completion": completion(fr, modules), "first_try": first_try(fr, modules, lang),
            "wrong_answers": common_wrong_answers(fr, top, modules, lang),
            "time_spent": time_spent(fr, modules)}


def labelled(table: pd.DataFrame, lang: str | None = None, display: bool = False) -> pd.DataFrame:
    """A table for people: headers, statuses and question kinds in ``lang``.  With ``display``
    (on screen; the CSV keeps numbers): shares as ``80%`` text and empty cells blank, not NaN."""
    out = table.copy()
    if "status" in out:
        out["status"] = out["status"].map(lambda s: t(f"dash.status.{s}", lang) if s in STATUSES else s)
    if "kind" in out:
        out["kind"] = out["kind"].map(lambda k: t(f"dash.kind.{k}", lang) if isinstance(k, str) else "")
    if display:
        for column in SHARES:
            if column in out:
                out[column] = out[column].map(lambda s: "" if pd.isna(s) else f"{s:.0%}")
        out = out.astype(object).where(out.notna(), "")
    return out.rename(columns={c: t(f"dash.col.{c}", lang) for c in out.columns})


# -- export ----------------------------------------------------------------------------------

def _write_atomic(path: Path, text: str) -> None:
    write_text_atomic(path, text, encoding="utf-8-sig", newline="")   # the BOM lets Excel read Chinese


def export_csv(source: Any, folder: str | os.PathLike, modules: Iterable[str] | None = None,
               lang: str | None = None, labels: bool = True) -> list[Path]:
    """Write each table to ``folder/<name>.csv`` as UTF-8 with a BOM (Excel then reads Chinese
    correctly); each file goes to a temporary name first and is renamed, so a reader never sees
    half a file.  ``source``: a store or its frames, a Dashboard, or a ``{name: table}`` mapping.
    ``labels``: headers and codes in ``lang``; otherwise the English column names and codes."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(source, Dashboard):
        named = source.tables()
    elif (isinstance(source, Mapping) and source and not {"attempts", "completions"} & set(source)
          and all(isinstance(v, pd.DataFrame) for v in source.values())):
        named = dict(source)          # tables already computed, by file name
    else:
        named = tables(source, modules, lang)
    paths = []
    for name, table in named.items():
        out = labelled(table, lang) if labels else table
        path = folder / f"{name}.csv"
        _write_atomic(path, out.to_csv(index=False, lineterminator="\r\n"))
        paths.append(path)
    return paths


# -- charts ----------------------------------------------------------------------------------

def use_cjk_fonts() -> str | None:
    """Put the installed Chinese-capable fonts first in matplotlib's sans-serif list.

    Returns the font used for Chinese, or None when none is installed: charts are still drawn
    (Chinese shows as boxes) and matplotlib's missing-glyph warnings are silenced.
    """
    from matplotlib import font_manager, rcParams

    installed = {f.name for f in font_manager.fontManager.ttflist}
    chosen = [f for f in CJK_FONTS if f in installed]
    rest = [f for f in rcParams["font.sans-serif"] if f not in chosen]
    rcParams["font.sans-serif"] = chosen + rest
    if chosen:
        rcParams["axes.unicode_minus"] = False    # CJK fonts often lack the minus sign
    warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from", category=UserWarning)
    return chosen[0] if chosen else None


def _short(text: str, width: int = 30) -> str:
    """Text cut to about ``width`` columns (a Chinese character counts two)."""
    used, out = 0, []
    for ch in text:
        used += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used > width:
            return "".join(out).rstrip() + "…"
        out.append(ch)
    return text


def _no_data(ax, lang) -> None:
    ax.text(0.5, 0.5, t("dash.chart.no_data", lang), ha="center", va="center", transform=ax.transAxes,
            color="#777")
    ax.set_xticks([])
    ax.set_yticks([])


def charts(source: Any, modules: Iterable[str] | None = None, lang: str | None = None) -> dict:
    """Three matplotlib Figures, labelled in ``lang``: ``completion`` (learners per module by
    status, stacked bars), ``first_try`` (share right at the first try per question) and ``time``
    (minutes answering per module, a box with one point per learner)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    use_cjk_fonts()
    fr = frames(source)
    done = completion(fr, modules)
    first = first_try(fr, modules, lang)
    spent = time_spent(fr, modules)
    colours = {"completed": "#1b7f3b", "started": "#e0a100", "not_started": "#c8c8c8"}

    mods = list(dict.fromkeys(done["module"])) or _modules(fr, modules)
    fig_done = Figure(figsize=(7, 1.4 + 0.45 * max(len(mods), 1)), layout="constrained")
    ax = fig_done.add_subplot()
    if done.empty:
        _no_data(ax, lang)
    else:
        counts = done.groupby(["module", "status"]).size().unstack(fill_value=0).reindex(
            index=mods, columns=list(STATUSES), fill_value=0)
        left = np.zeros(len(mods))
        for status in STATUSES:
            ax.barh(range(len(mods)), counts[status], left=left, color=colours[status],
                    label=t(f"dash.status.{status}", lang))
            left += counts[status].to_numpy()
        ax.set_yticks(range(len(mods)), [m for m in mods])
        ax.invert_yaxis()
        ax.set_xlabel(t("dash.chart.learners_axis", lang))
        ax.set_ylabel(t("dash.col.module", lang))
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3, frameon=False, fontsize="small")
    ax.set_title(t("dash.chart.completion_title", lang), pad=24 if not done.empty else 6)

    answered = first[first["learners"] > 0]
    fig_first = Figure(figsize=(8, 1.4 + 0.45 * max(len(answered), 1)), layout="constrained")
    ax = fig_first.add_subplot()
    if answered.empty:
        _no_data(ax, lang)
    else:
        labels = [f"{row.module} · {_short(row.question)}" for row in answered.itertuples()]
        y = np.arange(len(answered))
        ax.barh(y, answered["first_try_share"], color="#3a5a8c")
        for n, row in enumerate(answered.itertuples()):
            ax.text(row.first_try_share + 0.01, n, f"{row.first_try_right}/{row.learners}", va="center",
                    fontsize="small")
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.set_xlim(0, 1.12)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel(t("dash.chart.first_try_axis", lang))
    ax.set_title(t("dash.chart.first_try_title", lang))

    busy = spent[spent["attempts"] > 0]
    shown = [m for m in mods if m in set(busy["module"])]
    fig_time = Figure(figsize=(max(4.0, 1.5 + 1.1 * len(shown)), 4), layout="constrained")
    ax = fig_time.add_subplot()
    if busy.empty:
        _no_data(ax, lang)
    else:
        minutes = [busy.loc[busy["module"] == m, "answer_seconds"].to_numpy() / 60 for m in shown]
        ax.boxplot(minutes, tick_labels=shown, widths=0.5, showfliers=False)
        jitter = np.random.default_rng(0)
        for n, values in enumerate(minutes, 1):
            ax.scatter(n + jitter.uniform(-0.12, 0.12, len(values)), values, s=12, alpha=0.6, color="#3a5a8c")
        ax.set_xlabel(t("dash.col.module", lang))
        ax.set_ylabel(t("dash.chart.minutes_axis", lang))
    ax.set_title(t("dash.chart.time_title", lang))
    return {"completion": fig_done, "first_try": fig_first, "time": fig_time}


# -- the façade for the notebook -------------------------------------------------------------

@dataclass(frozen=True)
class Preview:
    """Why the dashboard shows a simulated class, and which one."""
    reason: str                  # "asked", "empty" or "unavailable"
    detail: str                  # the real store's URL, or why it could not be opened
    learners: int
    seed: int


class Dashboard:
    """The trainer's view of one progress store; tables are recomputed from the last refresh."""

    def __init__(self, store: ProgressStore | str | None = None, lang: str | None = None,
                 modules: Iterable[str] | None = None, top: int = 3):
        if store is None or isinstance(store, str):
            store = ProgressStore(store)
        self.store = store
        self._lang = normalize(lang) if lang else None
        self.modules = None if modules is None else list(modules)
        self.top = top
        self.preview: Preview | None = None
        self.refresh()

    def refresh(self) -> "Dashboard":
        """Read the store again (learners keep answering during a workshop)."""
        self.frames = frames(self.store)
        return self

    @property
    def lang(self) -> str:
        return self._lang or get_lang()

    @property
    def empty(self) -> bool:
        return self.frames.empty

    @property
    def completion(self) -> pd.DataFrame:
        return completion(self.frames, self.modules)

    @property
    def grid(self) -> pd.DataFrame:
        return completion_grid(self.completion, lang=self.lang)

    @property
    def first_try(self) -> pd.DataFrame:
        return first_try(self.frames, self.modules, self.lang)

    @property
    def wrong_answers(self) -> pd.DataFrame:
        return common_wrong_answers(self.frames, self.top, self.modules, self.lang)

    @property
    def time_spent(self) -> pd.DataFrame:
        return time_spent(self.frames, self.modules)

    def tables(self) -> dict[str, pd.DataFrame]:
        return tables(self.frames, self.modules, self.lang, self.top)

    def view(self, name: str) -> pd.DataFrame:
        """One table for reading: translated headers, shares as percentages."""
        return labelled(self.tables()[name], self.lang, display=True)

    def charts(self) -> dict:
        return charts(self.frames, self.modules, self.lang)

    def export_csv(self, folder: str | os.PathLike | None = None) -> list[Path]:
        """Every table as CSV; default folder: a new one under the system temp directory."""
        folder = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="kit-dashboard-"))
        return export_csv(self.tables(), folder, lang=self.lang)

    def exported(self, paths: list[Path]) -> str:
        folder = paths[0].parent if paths else Path(".")
        return t("dash.exported", self.lang, count=len(paths), folder=folder.resolve())

    # -- the header card: where the figures come from ------------------------------------

    def _lines(self, lang: str) -> list[str]:
        fr = self.frames
        learners = len(set(fr.attempts["learner"]) | set(fr.completions["learner"]))
        lines = [t("dash.source", lang, url=self.store.safe_url),
                 t("dash.summary", lang, learners=learners, attempts=len(fr.attempts),
                   completions=len(fr.completions))]
        return lines

    def _banner(self, lang: str) -> list[str]:
        p = self.preview
        if p is None:
            return []
        reason = {"asked": lambda: t("dash.preview_asked", lang),
                  "empty": lambda: t("dash.preview_empty", lang, url=p.detail),
                  "unavailable": lambda: t("dash.preview_unavailable", lang, reason=p.detail)}[p.reason]()
        return [t("dash.preview_banner", lang, learners=p.learners, seed=p.seed), reason]

    def header(self):
        from .module import Card

        titles = [t("dash.title", lang) for lang in LANGS]
        banner = ""
        if self.preview is not None:
            banner = ("<div style='background:#fff3cd;border:2px solid #e0a100;padding:6px 10px;"
                      "margin:6px 0;font-weight:bold'>"
                      + "".join(f"<div lang='{lang}'>" + "<br>".join(html.escape(x) for x in self._banner(lang))
                                + "</div>" for lang in LANGS) + "</div>")
        blocks = "".join(f"<div lang='{lang}'>" + "<br>".join(html.escape(x) for x in self._lines(lang))
                         + "</div>" for lang in LANGS)
        card = (f"<div style='border-left:4px solid #3a5a8c;padding:6px 12px'>"
                f"<h2 style='margin:0'>{html.escape(' · '.join(titles))}</h2>{banner}{blocks}</div>")
        text_lines = [" · ".join(titles)]
        if self.preview is not None:
            text_lines += ["*** " + x + " ***" for lang in LANGS for x in self._banner(lang)]
        text_lines += [x for lang in LANGS for x in self._lines(lang)]
        return Card(card, "\n".join(text_lines))

    def _repr_html_(self) -> str:
        return self.header().html

    def __repr__(self) -> str:
        return self.header().text


def open_dashboard(preview: bool = False, store: ProgressStore | str | None = None, lang: str | None = None,
                   modules: Iterable[str] | None = None, learners: int = 30, seed: int = 0) -> Dashboard:
    """The dashboard of the real store; a simulated class (``Dashboard.preview`` says why) when
    ``preview`` is asked for, when the store holds no progress yet or cannot be opened."""
    from .rehearsal import preview_store

    reason, detail = "asked", ""
    if not preview:
        try:
            dash = Dashboard(store, lang=lang, modules=modules)
        except StoreError as exc:
            reason, detail = "unavailable", str(exc).splitlines()[0]
        else:
            if not dash.empty:
                return dash
            reason, detail = "empty", dash.store.safe_url
    sim_modules = tuple(modules) if modules is not None else tuple(m.id for m in available())
    sim_store, _ = preview_store(learners=learners, seed=seed, modules=sim_modules)
    dash = Dashboard(sim_store, lang=lang, modules=modules)
    dash.preview = Preview(reason, detail, learners, seed)
    return dash
