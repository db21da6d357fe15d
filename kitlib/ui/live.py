"""A role's page that follows a drill run published by the facilitator's console in another kernel.

    >>> LiveParticipantView("sqlite:///drill-live.sqlite", "q3JYk0f2Vb1rTz8x", "legal")   # doctest: +SKIP

Read-only: it polls the live store (``kitlib.drills.live``) every ``poll_seconds`` and draws the
same board as ``ParticipantView`` (``participant_html``).  In a kernel (Jupyter, Voilà) polling is
an asyncio task on the kernel's loop, the database read in a worker thread and the widgets
updated on the loop; elsewhere it is a daemon thread.  It stops when the run ends or the widget
is closed.  A lost connection is a line in the status and is retried; nothing is missed, since the
next read starts after the last event seen.

``participant_page()`` is what ``kit exercise join`` serves: the run, role and store from the
environment (``KIT_LIVE_RUN``, ``KIT_LIVE_ROLE``, ``KIT_LIVE_URL``), else from the page address
(``?run=...&role=...``, which Voilà gives the kernel as ``QUERY_STRING``).
"""
from __future__ import annotations

import asyncio
import html
import os
import threading
from urllib.parse import parse_qs

import ipywidgets as W

from .. import i18n
from ..drills.live import ENV_URL, Follower, LiveError
from .console import participant_html

__all__ = ["LiveParticipantView", "participant_page", "TEXTS", "ENV_RUN", "ENV_ROLE"]

ENV_RUN, ENV_ROLE = "KIT_LIVE_RUN", "KIT_LIVE_ROLE"

TEXTS: dict[str, tuple[str, str]] = {
    "following": ("正在跟随演练 {run}(角色:{role}),每 {seconds} 秒更新。",
                  "Following run {run} as {role}; updated every {seconds} s."),
    "stopped": ("已停止更新。", "Updates stopped."),
    "over": ("演练已结束,不再更新。", "The exercise has ended; no more updates."),
    "lost": ("与演练存储的连接中断,正在重试:{error}", "Lost the connection to the live store, retrying: {error}"),
    "cannot_join": ("无法加入演练:{error}", "Cannot join the exercise: {error}"),
    "missing": ("缺少演练编号或角色:请用 kit exercise join --run 编号 --role 角色 打开本页,或在地址后加 ?run=编号&role=角色",
                "No run id or role: open this page with kit exercise join --run RUN_ID --role ROLE, "
                "or add ?run=RUN_ID&role=ROLE to its address"),
}


def _t(key: str, lang: str, **values) -> str:
    zh, en = TEXTS[key]
    text = zh if lang == "zh-CN" else en
    return text.format(**values) if values else text


class LiveParticipantView(W.VBox):
    """What ``role`` sees of run ``run_id`` published to the store at ``url``, kept up to date.

    LiveError (one line) at once for a bad run id, an unknown run or role, or a store that cannot
    be opened.  ``poll()`` reads once (True when something changed); ``start()``/``stop()``
    control the background polling, which ``__init__`` starts unless ``start=False``.
    """

    def __init__(self, url: str | None, run_id: str, role: str, lang: str | None = None, poll_seconds: float = 2,
                 *, font_size: str = "1.5em", start: bool = True):
        if isinstance(poll_seconds, bool) or not isinstance(poll_seconds, (int, float)) or not 0.1 <= poll_seconds <= 600:
            raise LiveError(f"poll_seconds must be a number from 0.1 to 600, got {poll_seconds!r}")
        self.follower = Follower(url, run_id, role)
        self.poll_seconds, self.font_size = float(poll_seconds), font_size
        self.lang = i18n.normalize(lang) if lang else i18n.get_lang()
        self.toggle = W.ToggleButtons(options=[("中文", "zh-CN"), ("English", "en")], value=self.lang,
                                      style={"button_width": "6em"})
        self.toggle.observe(lambda change: self.set_lang(change["new"]), names="value")
        self.status = W.HTML()
        self.board = W.HTML()
        self.error: str | None = None
        self._stop = threading.Event()
        self._task: asyncio.Task | None = None
        self._thread: threading.Thread | None = None
        super().__init__([self.toggle, self.status, self.board], layout=W.Layout(padding="12px"))
        self.poll()
        if start:
            self.start()

    @property
    def run_id(self) -> str:
        return self.follower.run_id

    @property
    def role(self) -> str:
        return self.follower.role

    @property
    def polling(self) -> bool:
        return (self._task is not None and not self._task.done()) or (self._thread is not None and self._thread.is_alive())

    # -- reading --------------------------------------------------------------------------------
    def poll(self) -> bool:
        """Read the store once and redraw; True when the board changed."""
        try:
            changed = self.follower.poll()
        except LiveError as exc:
            self._lost(exc)
            return False
        self.error = None
        self.refresh()
        return changed

    def _lost(self, exc: Exception) -> None:
        self.error = str(exc).splitlines()[0]
        self.refresh()

    def start(self) -> None:
        """Poll in the background until the run ends or ``stop()``/``close()``."""
        if self.polling or self.follower.ended:
            return
        self._stop.clear()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            self._task = loop.create_task(self._poll_on_loop())
        else:
            self._thread = threading.Thread(target=self._poll_in_thread, name=f"live-{self.run_id}", daemon=True)
            self._thread.start()
        self.refresh()

    def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
        self.refresh()

    async def _poll_on_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stop.is_set() and not self.follower.ended:
            await asyncio.sleep(self.poll_seconds)
            if self._stop.is_set():
                break
            try:
                await loop.run_in_executor(None, self.follower.poll)
            except LiveError as exc:
                self._lost(exc)
                continue
            self.error = None
            self.refresh()
        self.refresh()

    def _poll_in_thread(self) -> None:
        while not self._stop.wait(self.poll_seconds) and not self.follower.ended:
            self.poll()
        self.refresh()

    # -- drawing --------------------------------------------------------------------------------
    def set_lang(self, lang: str) -> None:
        self.lang = i18n.normalize(lang)
        if self.toggle.value != self.lang:
            self.toggle.value = self.lang
        self.refresh()

    def refresh(self) -> None:
        lang, board = self.lang, self.follower.board()
        role = board["role_title"]["zh-CN" if lang == "zh-CN" else "en"]
        if self.error:
            line = f"<span style='color:#b3261e'>✘ {html.escape(_t('lost', lang, error=self.error))}</span>"
        elif board["ended"]:
            line = html.escape(_t("over", lang))
        elif self._stop.is_set():
            line = html.escape(_t("stopped", lang))
        else:
            line = html.escape(_t("following", lang, run=self.run_id, role=role, seconds=f"{self.poll_seconds:g}"))
        self.status.value = f"<small style='color:#555'>{line}</small>"
        self.board.value = participant_html(board, lang, self.font_size)

    def close(self) -> None:
        if hasattr(self, "_stop"):
            self._stop.set()
            if self._task is not None:
                self._task.cancel()
            self.follower.close()
        super().close()


def participant_page(lang: str | None = None, poll_seconds: float = 2, environ: dict | None = None):
    """The widget a participant's page shows: a ``LiveParticipantView`` for the run and role in the
    environment (set by ``kit exercise join``) or the page address; otherwise one line saying what
    is wrong (never a traceback)."""
    env = os.environ if environ is None else environ
    query = parse_qs(env.get("QUERY_STRING", ""))
    run_id = env.get(ENV_RUN, "").strip() or (query.get("run") or [""])[0].strip()
    role = env.get(ENV_ROLE, "").strip() or (query.get("role") or [""])[0].strip()
    url = env.get(ENV_URL, "").strip() or None
    shown = i18n.normalize(lang) if lang else i18n.get_lang()
    if not run_id or not role:
        return W.HTML(f"<p style='color:#b3261e'>✘ {html.escape(_t('missing', shown))}</p>")
    try:
        return LiveParticipantView(url, run_id, role, lang=lang, poll_seconds=poll_seconds)
    except LiveError as exc:
        return W.HTML(f"<p style='color:#b3261e'>✘ {html.escape(_t('cannot_join', shown, error=str(exc).splitlines()[0]))}</p>")
