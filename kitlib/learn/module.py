"""The runtime side of the module template: header card, quiz, completion.

A module notebook starts with ``module = learn.start("00")`` (shows the title in both languages,
time, prerequisites and whether they are done, who is learning and where progress goes), offers
``module.quiz()``, and ends with ``module.complete()``, which records the module as done with its
score and writes the module certificate.  If the progress store cannot be reached, the module
still runs: answers are checked and the learner is told they are not saved.

In an app (a Voilà page: ``kit present``, or a hub link opened with ``--app voila``) every cell
runs when the page opens, before anything is answered; there ``complete()`` shows a button that
records the completion when the learner clicks it.
"""
from __future__ import annotations

import html
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import i18n
from ..i18n import LANGS, t
from . import learner as learner_id
from .bank import Bank, BankError, load_bank
from .modules import ModuleInfo, module as module_info
from .paths import data_dir
from .store import ProgressStore, StoreError


def module_score(attempts: pd.DataFrame, bank: Bank, exercises: tuple[str, ...] = ()) -> float:
    """Mean first-attempt score over the bank's questions and the module's graded exercises;
    anything unanswered counts 0."""
    items = [q.id for q in bank] + list(exercises)
    if attempts.empty:
        return 0.0
    first = attempts.sort_values(["item", "attempt"]).drop_duplicates("item").set_index("item")["score"]
    return round(sum(float(first.get(item, 0.0)) for item in items) / len(items), 4)


def in_app() -> bool:
    """True in a kernel that runs a whole page at once (Voilà, ``kit present``)."""
    return any(os.environ.get(v) for v in ("VOILA_REQUEST_URL", "VOILA_KERNEL_ID", learner_id.PRESENT_ENV))


@dataclass(frozen=True)
class Card:
    """Something a notebook shows: HTML in a browser, plain text in a terminal or nbval."""
    html: str
    text: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


class Module:
    def __init__(self, module_id: str, store: ProgressStore | None | str = "default",
                 learner: str | None = None):
        self.info: ModuleInfo = module_info(module_id)
        self.learner = learner or learner_id.current()
        self.store_error = ""
        if store == "default":
            try:
                store = ProgressStore()
            except StoreError as exc:
                store, self.store_error = None, str(exc)
        self.store = store
        self.started = time.monotonic()
        try:
            self.bank: Bank | None = load_bank(module_id)
        except BankError:
            self.bank = None
        self._quiz = None

    # -- header -------------------------------------------------------------------------

    def missing_prerequisites(self) -> list[str]:
        if not self.info.prerequisites or self.store is None:
            return []
        done = set(self.store.completions(self.learner)["module"])
        return [m for m in self.info.prerequisites if m not in done]

    def _lines(self, lang: str) -> list[str]:
        info = self.info
        lines = [t("module.minutes", lang, minutes=info.minutes)]
        if info.prerequisites:
            names = ", ".join(f"{m} {module_info(m).title(lang)}" for m in info.prerequisites)
            lines.append(t("module.prerequisites", lang, modules=names))
            missing = self.missing_prerequisites()
            if missing:
                lines.append(t("module.prerequisite_missing", lang, modules=", ".join(missing)))
        else:
            lines.append(t("module.no_prerequisites", lang))
        lines.append(t("module.learner", lang, learner=self.learner))
        if learner_id.presenting() and learner_id.is_guest(self.learner):
            lines.append(t("module.guest", lang))
        if self.store is None:
            lines.append(t("module.store", lang, url=t("store.unavailable", lang, reason=self.store_error or "-")))
        elif not learner_id.presenting():       # participants need not see the trainer's file paths
            lines.append(t("module.store", lang, url=self.store.safe_url))
        return lines

    def header(self) -> Card:
        titles = [f"{self.info.id} · {self.info.title(lang)}" for lang in LANGS]
        blocks = "".join(
            f"<div lang='{lang}' style='margin-top:4px'>" + "<br>".join(html.escape(x) for x in self._lines(lang))
            + "</div>" for lang in LANGS)
        card = (f"<div style='border-left:4px solid #3a5a8c;padding:6px 12px'>"
                f"<h2 style='margin:0'>{html.escape(titles[0])}</h2>"
                f"<h3 style='margin:0;color:#555'>{html.escape(titles[1])}</h3>{blocks}</div>")
        text = "\n".join(titles + [x for lang in LANGS for x in self._lines(lang)])
        return Card(card, text)

    def _repr_html_(self) -> str:
        return self.header().html

    def __repr__(self) -> str:
        return self.header().text

    # -- quiz and completion ------------------------------------------------------------

    def quiz(self, **options):
        """The module's quiz widget, saving to this module's store under this learner."""
        from ..ui.quiz import Quiz

        if self.bank is None:
            raise BankError(f"module {self.info.id} has no question bank")
        self._quiz = Quiz(self.bank, store=self.store, learner=self.learner, **options)
        return self._quiz

    def score(self) -> float | None:
        """The module score from the store (or from the quiz on screen when nothing is saved)."""
        if self.bank is None:
            return None
        if self.store is not None:
            return module_score(self.store.attempts(self.learner, self.info.id), self.bank, self.info.exercises)
        return self._quiz.summary()["score"] if self._quiz is not None else 0.0

    def unanswered(self) -> int:
        if self.bank is None:
            return 0
        if self.store is not None:
            answered = set(self.store.attempts(self.learner, self.info.id)["item"])
        else:
            answered = {q for q, s in (self._quiz.states.items() if self._quiz else []) if s.attempts}
        return sum(item not in answered for item in [q.id for q in self.bank] + list(self.info.exercises))

    def complete(self, certificate: bool = True, ledger=None):
        """Record the module as done (with its score and time) and write its certificate;
        ``ledger`` (a ``kitlib.ledger.Ledger``) also gets a "training" entry: the training record.
        In an app (``in_app()``) this returns a button that does so when clicked."""
        if in_app():
            return self.complete_button(certificate=certificate, ledger=ledger)
        return self.record_completion(certificate=certificate, ledger=ledger)

    def complete_button(self, certificate: bool = True, ledger=None):
        """A "complete the module" button; each click records the completion and shows the result."""
        import ipywidgets as W

        button = W.Button(description=f"{t('module.complete_button', 'zh-CN')} · {t('module.complete_button', 'en')}",
                          button_style="success", layout=W.Layout(width="auto"))
        result = W.HTML()

        def clicked(_):
            result.value = self.record_completion(certificate=certificate, ledger=ledger).html

        button.on_click(clicked)
        box = W.VBox([button, result])
        box.button, box.result = button, result
        return box

    def record_completion(self, certificate: bool = True, ledger=None) -> Card:
        """Record the completion now (what ``complete()`` does outside an app)."""
        seconds = round(time.monotonic() - self.started, 1)
        score = self.score()
        minutes = f"{seconds / 60:.1f}"
        lines = {lang: [] for lang in LANGS}
        for lang in LANGS:
            if score is None:
                lines[lang].append(t("module.completed_no_quiz", lang, module=self.info.id, minutes=minutes))
            else:
                lines[lang].append(t("module.completed", lang, module=self.info.id, score=f"{score:.0%}",
                                     minutes=minutes))
            missing = self.unanswered()
            if missing:
                lines[lang].append(t("module.unanswered", lang, count=missing))
        if self.store is None:
            for lang in LANGS:
                lines[lang].append(t("quiz.not_recorded", lang, reason=self.store_error or "-"))
        else:
            self.store.record_completion(self.learner, self.info.id, score=score, seconds=seconds)
            if certificate and not self.unanswered():
                code, path = self._certificate()
                for lang in LANGS:
                    lines[lang].append(t("module.certificate", lang, path=path, code=code))
        if ledger is not None:
            ledger.append("training", actor=self.learner, subjects=[self.learner],
                          details={"module": self.info.id, "score": score, "minutes": round(seconds / 60, 1),
                                   "unanswered": self.unanswered()})
        body = "".join(f"<p lang='{lang}'>" + "<br>".join(html.escape(x) for x in lines[lang]) + "</p>"
                       for lang in LANGS)
        return Card(f"<div style='border-left:4px solid #1b7f3b;padding:6px 12px'>{body}</div>",
                    "\n".join(x for lang in LANGS for x in lines[lang]))

    def _certificate(self) -> tuple[str, Path]:
        from . import certificate

        cert = certificate.issue(self.store, self.learner, f"module:{self.info.id}")
        safe = re.sub(r"[^\w.-]+", "_", self.learner, flags=re.UNICODE).strip("_") or "learner"
        path = data_dir() / "certificates" / f"{safe}-module-{self.info.id}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        certificate.save_html(cert, path)
        return cert.code, path


def start(module_id: str, **options) -> Module:
    """Open a module: ``module = learn.start("00"); module`` shows its header card."""
    lang = options.pop("lang", None)
    if lang:
        i18n.set_lang(lang)
    return Module(module_id, **options)
