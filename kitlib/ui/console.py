"""The facilitator's console and the participant view of a tabletop drill (ipywidgets 8).

Both only present a ``kitlib.drills.Run`` and call its methods; the engine does all the work.
They share the run object: every action taken in the console is announced to the views that
``watch`` the run (a callback list kept here, in the widget layer), so a projector showing
``ParticipantView(run, "legal")`` updates as soon as the console releases an inject to legal.

    >>> run = Run(load_package("exercises/crm-export"), seed=7)         # doctest: +SKIP
    >>> FacilitatorConsole(run, report_dir="reports")                   # doctest: +SKIP
    >>> ParticipantView(run, "legal")                                   # doctest: +SKIP

Across kernels (a role's laptop, a projector in another room): ``FacilitatorConsole(run,
publish="sqlite:///drill-live.sqlite")`` writes every change to a live store and shows the run id;
each role's page follows it with ``kitlib.ui.live.LiveParticipantView`` (``kit exercise join``).
Both views draw the same board with ``participant_html``.

Errors the run reports (a decision that closed, an empty note ...) are shown in the console's
status line in one line; nothing is raised into the notebook.
"""
from __future__ import annotations

import html
import os
import weakref
from pathlib import Path
from typing import Callable

import ipywidgets as W

from .. import i18n
from ..drills.clock import RunningClock
from ..drills.engine import DrillError, Run
from ..drills.live import LiveError, Publisher, participant_board
from ..drills.report import after_action_report

__all__ = ["FacilitatorConsole", "ParticipantView", "participant_html", "watch", "unwatch", "announce", "TEXTS"]

# Every text a facilitator or participant reads here, in both languages (zh-CN, en).
TEXTS: dict[str, tuple[str, str]] = {
    "clock": ("演练时钟:第 {now} 分钟 / 共 {total} 分钟", "Exercise clock: minute {now} of {total}"),
    "mode": ("模式:{mode}", "Mode: {mode}"),
    "mode.stepped": ("手动推进", "stepped by hand"), "mode.scripted": ("脚本", "scripted"),
    "mode.real": ("实时", "real time"), "mode.accelerated": ("加速", "accelerated"),
    "variant": ("情景变体:{name}", "Variant: {name}"),
    "running": ("运行中", "running"), "paused": ("已暂停", "paused"), "ended": ("演练已结束", "The exercise has ended"),
    "advance": ("推进", "Advance"), "minutes": ("分钟", "minutes"),
    "pause": ("暂停", "Pause"), "resume": ("继续", "Resume"), "refresh": ("刷新", "Refresh"),
    "auto_release": ("到时自动发布注入", "Release injects automatically when due"),
    "injects": ("待发布的注入", "Injects to release"), "no_injects": ("暂无待发布的注入。", "No inject is waiting."),
    "due": ("已到时", "due"), "at_minute": ("第 {minute} 分钟", "minute {minute}"),
    "release": ("发布", "Release"), "to": ("发给", "to"),
    "decisions": ("当前开放的决策", "Decisions open now"), "no_decisions": ("当前没有开放的决策。", "No decision is open now."),
    "option": ("选项", "Option"), "role": ("角色", "Role"), "decide": ("记录决策", "Record decision"),
    "closes": ("第 {minute} 分钟截止", "closes at minute {minute}"),
    "tasks": ("当前开放的任务", "Tasks open now"), "no_tasks": ("当前没有开放的任务。", "No task is open now."),
    "answer": ("答案", "Answer"), "submit": ("提交答案", "Submit answer"),
    "no_answer": ("任务 {id}:请先填写答案。", "Task {id}: type an answer first."),
    "ack": ("确认收到", "Acknowledgements"), "ack_button": ("记录确认", "Record acknowledgement"),
    "no_ack": ("没有待确认的注入。", "No released inject is waiting to be acknowledged."),
    "notes": ("记录", "Notes"), "add_note": ("添加记录", "Add note"),
    "note_placeholder": ("观察、发言要点……", "Observations, points made ..."),
    "score": ("实时得分", "Live score"), "total": ("总分", "Total"),
    "part.decisions": ("决策", "Decisions"), "part.tasks": ("任务", "Tasks"), "part.criteria": ("评估标准", "Criteria"),
    "end": ("结束演练", "End exercise"), "report": ("复盘报告", "After-action report"),
    "released": ("已发布注入 {id}:{title}", "Released inject {id}: {title}"),
    "decided": ("已记录决策 {id}({role}):{option}。后果:{consequence}",
                "Recorded decision {id} ({role}): {option}. Consequence: {consequence}"),
    "answered_right": ("任务 {id} 回答正确。", "Task {id} answered correctly."),
    "answered_wrong": ("任务 {id} 回答不正确。", "Task {id} answered incorrectly."),
    "acknowledged": ("{role} 已确认收到 {id}。", "{role} acknowledged {id}."),
    "noted": ("记录已保存。", "Note saved."),
    "choose": ("请选择", "Choose"),
    "facilitator": ("主持人", "Facilitator"),
    "for_role": ("{role} 看到的信息", "What {role} sees"),
    "your_decision": ("需要你们决定:{title}", "Your decision: {title}"),
    "nothing_yet": ("暂时没有消息。", "No message yet."),
    "from": ("来自", "From"), "attachments": ("附件:{names}", "Attachments: {names}"),
    "questions": ("讨论问题:", "To discuss:"),
    "medium.email": ("电子邮件", "e-mail"), "medium.phone": ("电话", "phone"), "medium.chat": ("即时消息", "chat"),
    "medium.paper": ("纸质文件", "paper"), "medium.news": ("新闻", "news"),
    "medium.system alert": ("系统告警", "system alert"),
    "outcomes": ("已作出的决策", "Decisions taken"),
    "outcome": ("{title}:{option}({role},第 {minute} 分钟)。{consequence}",
                "{title}: {option} ({role}, minute {minute}). {consequence}"),
    "ending": ("结局:{title}", "Ending: {title}"),
    "live": ("已实时共享,演练编号 {run}。各角色在自己的电脑上打开:{command}",
             "Shared live, run id {run}. Each role opens its own page with: {command}"),
    "publish_failed": ("未能共享到演练存储(下一步操作时重试):{error}",
                       "Could not publish to the live store (retried at the next action): {error}"),
}

_RED, _GREEN = "#b3261e", "#1b7f3b"


def _t(key: str, lang: str, **values) -> str:
    zh, en = TEXTS[key]
    text = zh if lang == "zh-CN" else en
    return text.format(**values) if values else text


def _e(text) -> str:
    return html.escape(str(text))


def _minute(value: float) -> str:
    value = round(float(value), 1)
    return f"{value:g}"


# -- the run's watchers (widget layer) ---------------------------------------------------------

_WATCHERS: "weakref.WeakKeyDictionary[Run, list]" = weakref.WeakKeyDictionary()


def _ref(callback):
    """A weak reference to a widget's bound method (so watching keeps neither the widget nor the
    run alive), a plain reference to any other callable."""
    if hasattr(callback, "__self__") and hasattr(callback, "__func__"):
        return weakref.WeakMethod(callback)
    return lambda: callback


def _live(run: Run) -> list:
    return [c for c in (ref() for ref in _WATCHERS.get(run, [])) if c is not None]


def watch(run: Run, callback: Callable[[Run], None]) -> Callable[[Run], None]:
    """Call ``callback(run)`` after every action a console takes on ``run``."""
    _WATCHERS.setdefault(run, []).append(_ref(callback))
    return callback


def unwatch(run: Run, callback: Callable[[Run], None]) -> None:
    """Stop calling ``callback`` for ``run`` (no error when it was not watching)."""
    refs = _WATCHERS.get(run, [])
    refs[:] = [ref for ref in refs if ref() is not None and ref() != callback]


def announce(run: Run) -> None:
    """Tell every watcher of ``run`` that it changed."""
    for callback in _live(run):
        callback(run)


def _role_title(run: Run, role: str, lang: str) -> str:
    if role == "facilitator":
        return _t("facilitator", lang)
    return run.package.role(role).title.get(lang)


def _open_now(run: Run, items, done: dict) -> list:
    now = run.now()
    return [i for i in items if i.id not in done and i.open_at <= now + 1e-9
            and (i.close_at is None or now <= i.close_at + 1e-9)]


# -- the facilitator's console -----------------------------------------------------------------


class FacilitatorConsole(W.VBox):
    """Clock, injects to release, open decisions and tasks, acknowledgements, notes, live score, End.

    run: a ``kitlib.drills.Run``; lang: "zh-CN" or "en" (default ``i18n.get_lang()``);
    report_dir: where End writes the after-action report (default ``./drill-reports/<run id>``);
    auto_release: release due injects by themselves whenever the clock moves (and on opening);
    publish: share the run with participants' pages in other kernels (``kitlib.drills.live``): a
    ``Publisher``, or a store URL (a ``Publisher`` with a new run id is made); every change the
    console announces is then written to the store, and the console shows the run id.
    """

    def __init__(self, run: Run, *, lang: str | None = None, report_dir=None, auto_release: bool = True,
                 step_minutes: float = 5, publish: Publisher | str | None = None):
        self.run = run
        self._own_publisher = publish is not None and not isinstance(publish, Publisher)
        self.publisher = Publisher(run, publish) if self._own_publisher else publish
        if self.publisher is not None and self.publisher.run is not run:
            raise DrillError("publish= must be a Publisher of this console's run")
        self.lang = i18n.normalize(lang) if lang else i18n.get_lang()
        self.report_dir = Path(report_dir) if report_dir is not None else Path("drill-reports") / run.run_id
        self.report_paths: dict[str, Path] = {}
        self.toggle = W.ToggleButtons(options=[("中文", "zh-CN"), ("English", "en")], value=self.lang,
                                      style={"button_width": "6em"})
        self.toggle.observe(lambda change: self.set_lang(change["new"]), names="value")
        self.header = W.HTML()
        self.clock_label = W.HTML()
        self.step = W.BoundedFloatText(value=step_minutes, min=0, max=float(run.package.duration_minutes),
                                       step=1, layout=W.Layout(width="7em"))
        self.advance_button = W.Button(icon="forward", button_style="primary")
        self.advance_button.on_click(lambda _: self.advance(self.step.value))
        self.pause_button = W.Button(icon="pause")
        self.pause_button.on_click(lambda _: self.toggle_pause())
        self.refresh_button = W.Button(icon="refresh")
        self.refresh_button.on_click(lambda _: self.tick())
        self.auto_release = W.Checkbox(value=auto_release, indent=False)
        running = isinstance(run.clock, RunningClock)
        self.pause_button.layout.display = None if running else "none"
        self.refresh_button.layout.display = None if running else "none"
        self.injects_box, self.decisions_box, self.tasks_box, self.ack_box = W.VBox(), W.VBox(), W.VBox(), W.VBox()
        self.note_text = W.Textarea(layout=W.Layout(width="40em", height="4em"))
        self.note_role = W.Dropdown()
        self.note_button = W.Button(icon="pencil")
        self.note_button.on_click(lambda _: self.add_note(self.note_text.value, self.note_role.value))
        self.score_label = W.HTML()
        self.end_button = W.Button(icon="stop", button_style="danger")
        self.end_button.on_click(lambda _: self.end())
        self.report_link = W.HTML()
        self.status = W.HTML()
        self.live_label = W.HTML()
        self.live_label.layout.display = None if self.publisher is not None else "none"
        self.headings = {k: W.HTML() for k in ("injects", "decisions", "tasks", "ack", "notes", "score")}
        h = self.headings
        controls = W.HBox([self.step, self.advance_button, self.pause_button, self.refresh_button, self.auto_release])
        super().__init__([self.toggle, self.header, self.live_label, self.clock_label, controls, self.status,
                          h["injects"], self.injects_box, h["decisions"], self.decisions_box,
                          h["tasks"], self.tasks_box, h["ack"], self.ack_box,
                          h["notes"], W.HBox([self.note_text, W.VBox([self.note_role, self.note_button])]),
                          h["score"], self.score_label, W.HBox([self.end_button, self.report_link])],
                         layout=W.Layout(border="1px solid #ccc", padding="8px"))
        watch(run, self._on_change)
        if self.publisher is not None:
            watch(run, self._publish)
        if auto_release and not run.ended:
            self._act(run.release_due)
        self.refresh()
        if self.publisher is not None:
            self._publish(run)

    # -- actions (each one announces the change to every watcher) --------------------------------
    def _act(self, action, *args, done: Callable[[object], str] | None = None):
        try:
            result = action(*args)
        except (DrillError, ValueError) as exc:
            self.status.value = f"<span style='color:{_RED}'>✘ {_e(str(exc).splitlines()[0])}</span>"
            return None
        self.status.value = f"<span style='color:{_GREEN}'>✔ {_e(done(result))}</span>" if done else ""
        announce(self.run)
        return result

    def advance(self, minutes: float) -> None:
        """Move the clock ``minutes`` on (never past the end); due injects are released when
        auto-release is on, each at its own minute."""
        run = self.run
        target = min(float(run.package.duration_minutes), run.now() + float(minutes or 0))
        if self.auto_release.value:
            self._act(run.run_until, target, done=lambda events: self._released_text(events))
        else:
            self._act(run.clock.advance_to, target)

    def tick(self) -> None:
        """For a running clock: re-read the time; release what is due when auto-release is on."""
        if self.auto_release.value and not self.run.ended:
            self._act(self.run.release_due, done=self._released_text)
        else:
            announce(self.run)

    def toggle_pause(self) -> None:
        """Pause a running clock, or resume it."""
        clock = self.run.clock
        if not isinstance(clock, RunningClock):
            return
        if clock.running:
            clock.pause()
        else:
            clock.resume()
        announce(self.run)

    def release(self, inject_id: str) -> None:
        self._act(self.run.release, inject_id, done=lambda event: self._released_text([event]))

    def decide(self, decision_id: str, option: str, role: str | None = None) -> None:
        def said(event):
            option_ = self.run.package.decision(decision_id).option(option)
            return _t("decided", self.lang, id=decision_id, role=_role_title(self.run, event["role"], self.lang),
                      option=option_.text.get(self.lang), consequence=option_.consequence.get(self.lang))
        self._act(self.run.decide, decision_id, option, role, done=said)

    def answer(self, task_id: str, answer, role: str | None = None) -> None:
        if answer is None or (isinstance(answer, str) and not answer.strip()):
            self.status.value = f"<span style='color:{_RED}'>✘ {_e(_t('no_answer', self.lang, id=task_id))}</span>"
            return
        self._act(self.run.answer_task, task_id, answer, role or None,
                  done=lambda e: _t("answered_right" if e["correct"] else "answered_wrong", self.lang, id=task_id))

    def acknowledge(self, inject_id: str, role: str) -> None:
        self._act(self.run.acknowledge, inject_id, role,
                  done=lambda e: _t("acknowledged", self.lang, id=inject_id, role=_role_title(self.run, role, self.lang)))

    def add_note(self, text: str, role: str | None = None) -> None:
        if self._act(self.run.note, text, role or "facilitator", done=lambda _: _t("noted", self.lang)) is not None:
            self.note_text.value = ""

    def end(self) -> dict[str, Path] | None:
        """End the run and write the after-action report (HTML and Markdown); show links to it."""
        def finish():
            self.run.end()
            return after_action_report(self.run.record()).write(self.report_dir)
        paths = self._act(finish, done=lambda p: _t("ended", self.lang))
        if paths:
            self.report_paths = paths
            self.refresh()
        return paths

    def _released_text(self, events) -> str:
        return "; ".join(_t("released", self.lang, id=e["id"], title=e["title"][self.lang]) for e in events)

    # -- rendering ------------------------------------------------------------------------------
    def set_lang(self, lang: str) -> None:
        self.lang = i18n.normalize(lang)
        if self.toggle.value != self.lang:
            self.toggle.value = self.lang
        self.refresh()

    def _on_change(self, _run) -> None:
        self.refresh()

    def _publish(self, _run) -> None:
        """Write what changed to the live store; a failure is a line in the status, retried next time."""
        try:
            self.publisher.sync()
        except LiveError as exc:
            self.status.value = (f"<span style='color:{_RED}'>✘ "
                                 f"{_e(_t('publish_failed', self.lang, error=str(exc).splitlines()[0]))}</span>")

    def score_text(self) -> dict:
        """The figures the score label shows: total, parts and capabilities as "awarded / max"."""
        s = self.run.score()

        def fmt(part: dict) -> str:
            return f"{part['awarded']:g} / {part['max']:g}"
        return {"total": fmt(s), **{f"part.{k}": fmt(v) for k, v in s["parts"].items()},
                **{f"capability.{k}": fmt(v) for k, v in s["by_capability"].items()}}

    def refresh(self) -> None:
        """Redraw everything from the run's state."""
        run, lang = self.run, self.lang
        p = run.package
        self.header.value = (f"<h3 style='margin:2px 0'>{_e(p.title.get(lang))}</h3>"
                             f"<small>{_e(_t('variant', lang, name=run.variant.title.get(lang)))}</small>")
        clock = run.clock
        state = _t("ended", lang) if run.ended else (
            _t("running" if clock.running else "paused", lang) if isinstance(clock, RunningClock) else "")
        self.clock_label.value = (f"<b style='font-size:1.3em'>{_e(_t('clock', lang, now=_minute(run.now()), total=_minute(p.duration_minutes)))}</b>"
                                  f" · {_e(_t('mode', lang, mode=_t('mode.' + clock.mode, lang)))}"
                                  + (f" · {_e(state)}" if state else ""))
        self.advance_button.description = f"{_t('advance', lang)} ({_t('minutes', lang)})"
        self.pause_button.description = _t("resume" if isinstance(clock, RunningClock) and not clock.running
                                           else "pause", lang)
        self.refresh_button.description = _t("refresh", lang)
        self.auto_release.description = _t("auto_release", lang)
        self.note_button.description = _t("add_note", lang)
        self.note_text.placeholder = _t("note_placeholder", lang)
        roles = [(_t("facilitator", lang), "facilitator")] + [(r.title.get(lang), r.id) for r in p.roles]
        keep = self.note_role.value
        self.note_role.options = roles
        self.note_role.value = keep if keep in {v for _, v in roles} else "facilitator"
        self.end_button.description = _t("end", lang)
        if self.publisher is not None:
            self.live_label.value = (f"<div data-live-run='{_e(self.publisher.run_id)}'>"
                                     f"{_e(_t('live', lang, run=self.publisher.run_id, command=''))}"
                                     f"<code>{_e(self.publisher.join_command())}</code></div>")
        for key, widget in self.headings.items():
            widget.value = f"<h4 style='margin:8px 0 2px'>{_e(_t(key, lang))}</h4>"
        self.injects_box.children = self._inject_rows()
        self.decisions_box.children = self._decision_rows()
        self.tasks_box.children = self._task_rows()
        self.ack_box.children = self._ack_rows()
        self.score_label.value = self._score_html()
        for control in (self.advance_button, self.pause_button, self.refresh_button, self.note_button,
                        self.end_button):
            control.disabled = run.ended
        if self.report_paths:
            links = " · ".join(f"<a href='{_e(self._href(path))}' target='_blank'>{_e(path.name)}</a>"
                               for path in self.report_paths.values())
            self.report_link.value = f"<b>{_e(_t('report', lang))}:</b> {links}"

    @staticmethod
    def _href(path: Path) -> str:
        try:
            return os.path.relpath(path)
        except ValueError:          # another drive (Windows)
            return str(path)

    def _recipients(self, inject) -> str:
        return ", ".join(_role_title(self.run, r, self.lang) for r in inject.recipients)

    def _inject_rows(self) -> list:
        run, lang = self.run, self.lang
        rows = [(_t("due", lang), i) for i in run.due_injects()]
        rows += [(_t("at_minute", lang, minute=_minute(t)), i) for t, i in run.upcoming_injects()]
        if not rows:
            return [W.HTML(f"<i>{_e(_t('no_injects', lang))}</i>")]
        out = []
        for when, inject in rows:
            button = W.Button(description=_t("release", lang), icon="paper-plane", disabled=run.ended,
                              layout=W.Layout(width="8em"))
            button.on_click(lambda _, i=inject.id: self.release(i))
            label = W.HTML(f"<b>{_e(inject.id)}</b> · {_e(when)} · {_e(inject.title.get(lang))} "
                           f"<small>({_e(_t('to', lang))} {_e(self._recipients(inject))})</small>")
            out.append(W.HBox([button, label]))
        self.release_buttons = {inject.id: row.children[0] for (_, inject), row in zip(rows, out)}
        return out

    def _decision_rows(self) -> list:
        run, lang = self.run, self.lang
        self.decision_controls: dict[str, tuple] = {}
        open_now = [] if run.ended else _open_now(run, run.package.decisions, run.decided)
        if not open_now:
            return [W.HTML(f"<i>{_e(_t('no_decisions', lang))}</i>")]
        roles = [(r.title.get(lang), r.id) for r in run.package.roles]
        out = []
        for d in open_now:
            closes = f" · {_t('closes', lang, minute=_minute(d.close_at))}" if d.close_at is not None else ""
            head = W.HTML(f"<b>{_e(d.id)} · {_e(d.title.get(lang))}</b>{_e(closes)}<br>{_e(d.prompt.get(lang))}")
            option = W.Dropdown(options=[(_t("choose", lang), None)] + [(o.text.get(lang), o.id) for o in d.options],
                                value=None, description=_t("option", lang), layout=W.Layout(width="36em"))
            role = W.Dropdown(options=roles, value=d.role, description=_t("role", lang))
            button = W.Button(description=_t("decide", lang), icon="check", button_style="primary")
            button.on_click(lambda _, i=d.id, o=option, r=role: self.decide(i, o.value, r.value))
            self.decision_controls[d.id] = (option, role, button)
            out.append(W.VBox([head, W.HBox([option, role, button])], layout=W.Layout(padding="4px 0")))
        return out

    def _task_rows(self) -> list:
        run, lang = self.run, self.lang
        self.task_controls: dict[str, tuple] = {}
        open_now = [] if run.ended else _open_now(run, run.package.tasks, run.answered)
        if not open_now:
            return [W.HTML(f"<i>{_e(_t('no_tasks', lang))}</i>")]
        roles = [(_t("facilitator", lang), None)] + [(r.title.get(lang), r.id) for r in run.package.roles]
        out = []
        for task in open_now:
            head = W.HTML(f"<b>{_e(task.id)} · {_e(task.title.get(lang))}</b><br>{_e(task.prompt.get(lang))}")
            answer = W.Text(description=_t("answer", lang))
            role = W.Dropdown(options=roles, value=None, description=_t("role", lang))
            button = W.Button(description=_t("submit", lang), icon="check")
            button.on_click(lambda _, i=task.id, a=answer, r=role: self.answer(i, a.value, r.value))
            self.task_controls[task.id] = (answer, role, button)
            out.append(W.VBox([head, W.HBox([answer, role, button])]))
        return out

    def _ack_rows(self) -> list:
        run, lang = self.run, self.lang
        pending = [] if run.ended else [
            (f"{inject_id} · {event['title'][lang]} — {_role_title(run, role, lang)}", (inject_id, role))
            for inject_id, event in sorted(run.released.items(), key=lambda kv: kv[1]["seq"])
            for role in event["recipients"] if (inject_id, role) not in run.acknowledged]
        if not pending:
            self.ack_choice = None
            return [W.HTML(f"<i>{_e(_t('no_ack', lang))}</i>")]
        self.ack_choice = W.Dropdown(options=pending, value=pending[0][1], layout=W.Layout(width="36em"))
        button = W.Button(description=_t("ack_button", lang), icon="check")
        button.on_click(lambda _: self.acknowledge(*self.ack_choice.value))
        return [W.HBox([self.ack_choice, button])]

    def _score_html(self) -> str:
        lang, figures = self.lang, self.score_text()
        caps = {c.id: c.title.get(lang) for c in self.run.package.capabilities}
        rows = [(_t("total", lang), figures["total"], True)]
        rows += [(_t(f"part.{k}", lang), figures[f"part.{k}"], False) for k in ("decisions", "tasks", "criteria")]
        rows += [(title, figures[f"capability.{cid}"], False) for cid, title in caps.items()]
        cells = "".join(f"<tr><td style='padding:1px 12px 1px 0'>{'<b>' if bold else ''}{_e(name)}"
                        f"{'</b>' if bold else ''}</td><td style='text-align:right'>{_e(value)}</td></tr>"
                        for name, value, bold in rows)
        return f"<table>{cells}</table>"

    def close(self) -> None:
        if hasattr(self, "run"):
            unwatch(self.run, self._on_change)
            if self.publisher is not None:
                unwatch(self.run, self._publish)
                if self._own_publisher:
                    self.publisher.close()
        super().close()


# -- the participant view ----------------------------------------------------------------------


def participant_html(board: dict, lang: str, font_size: str = "1.5em") -> str:
    """The HTML of what one role sees: a board from ``kitlib.drills.live.participant_board`` (in
    this kernel) or from a ``Follower`` (another kernel): its open decisions, the decisions taken
    and any ending, then the injects released to it, newest first."""
    def pick(text) -> str:
        return "" if text is None else text["zh-CN" if lang == "zh-CN" else "en"]

    parts = [f"<div style='font-size:{font_size};line-height:1.4'>",
             f"<div style='font-size:1.2em;font-weight:bold'>{_e(_t('for_role', lang, role=pick(board['role_title'])))}</div>",
             f"<div style='color:#555'>{_e(_t('clock', lang, now=_minute(board['now']), total=_minute(board['duration'])))}"
             + (f" · {_e(_t('ended', lang))}" if board["ended"] else "") + "</div>"]
    for d in board["decisions"]:
        options = "".join(f"<li>{_e(pick(o))}</li>" for o in d["options"])
        parts.append(f"<div style='border:3px solid #b26a00;padding:8px;margin:8px 0' data-decision='{_e(d['id'])}'>"
                     f"<b>{_e(_t('your_decision', lang, title=pick(d['title'])))}</b><br>{_e(pick(d['prompt']))}"
                     f"<ul>{options}</ul></div>")
    for o in board["outcomes"]:
        if o["kind"] == "ending":
            debrief = f"<div>{_e(pick(o['debrief']))}</div>" if o.get("debrief") else ""
            parts.append(f"<div style='border:3px solid #1b7f3b;padding:8px;margin:8px 0' data-ending='{_e(o['id'])}'>"
                         f"<b>{_e(_t('ending', lang, title=pick(o['title'])))}</b>{debrief}</div>")
    taken = [o for o in board["outcomes"] if o["kind"] == "decision"]
    if taken:
        items = "".join(f"<li data-outcome='{_e(o['id'])}'>{_e(_t('outcome', lang, title=pick(o['title']), option=pick(o['option_title']), role=pick(o['role_title']), minute=_minute(o['t']), consequence=pick(o['consequence'])))}</li>"
                        for o in taken)
        parts.append(f"<div style='font-size:0.8em;margin:8px 0'><b>{_e(_t('outcomes', lang))}</b>"
                     f"<ul style='margin:2px 0'>{items}</ul></div>")
    if not board["injects"]:
        parts.append(f"<p><i>{_e(_t('nothing_yet', lang))}</i></p>")
    for inject in board["injects"]:
        medium = inject["medium"]
        medium = _t(f"medium.{medium}", lang) if f"medium.{medium}" in TEXTS else medium
        extra = ""
        if inject["attachments"]:
            extra += f"<div><small>{_e(_t('attachments', lang, names=', '.join(inject['attachments'])))}</small></div>"
        if inject["questions"]:
            extra += (f"<div><small>{_e(_t('questions', lang))}</small><ul style='margin:2px 0'>"
                      + "".join(f"<li>{_e(pick(q))}</li>" for q in inject["questions"]) + "</ul></div>")
        parts.append(f"<div style='border-left:6px solid #3a5a8c;padding:4px 10px;margin:10px 0' "
                     f"data-inject='{_e(inject['id'])}'>"
                     f"<div style='color:#555;font-size:0.8em'>{_e(_t('at_minute', lang, minute=_minute(inject['t'])))}"
                     f" · {_e(medium)} · {_e(_t('from', lang))} {_e(pick(inject['sender']))}</div>"
                     f"<div style='font-weight:bold'>{_e(pick(inject['title']))}</div>"
                     f"<div>{_e(pick(inject['text']))}</div>{extra}</div>")
    parts.append("</div>")
    return "".join(parts)


class ParticipantView(W.VBox):
    """What one role sees, for a projector: injects released to it (newest first, large type), the
    decisions open now that are theirs, and the decisions taken; redraws whenever a console acts on
    the same run.  (On another machine: ``kitlib.ui.live.LiveParticipantView``, the same content.)"""

    def __init__(self, run: Run, role: str, *, lang: str | None = None, font_size: str = "1.5em"):
        roles = [r.id for r in run.package.roles]
        if role not in roles:
            raise DrillError(f"unknown role {role!r} (one of: {', '.join(roles)})")
        self.run, self.role, self.font_size = run, role, font_size
        self.lang = i18n.normalize(lang) if lang else i18n.get_lang()
        self.board = W.HTML()
        super().__init__([self.board], layout=W.Layout(padding="12px"))
        watch(run, self._on_change)
        self.refresh()

    def set_lang(self, lang: str) -> None:
        self.lang = i18n.normalize(lang)
        self.refresh()

    def _on_change(self, _run) -> None:
        self.refresh()

    def injects(self) -> list[str]:
        """Ids of the injects this role has received, newest first."""
        return [i["id"] for i in participant_board(self.run, self.role)["injects"]]

    def decisions(self) -> list[str]:
        """Ids of the decisions open now that are this role's to take."""
        return [d["id"] for d in participant_board(self.run, self.role)["decisions"]]

    def refresh(self) -> None:
        self.board.value = participant_html(participant_board(self.run, self.role), self.lang, self.font_size)

    def close(self) -> None:
        if hasattr(self, "run"):
            unwatch(self.run, self._on_change)
        super().close()
