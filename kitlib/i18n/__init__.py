"""Messages in zh-CN and English.

The language comes from, in order: ``set_lang()`` (the toggle in a notebook), the ``KIT_LANG``
environment variable (``zh``, ``zh-CN``, ``zh_CN.UTF-8``, ``en``, ``en_US`` ... are understood),
then zh-CN.  Catalogues are JSON files in ``messages/``, one per language, with the same keys;
a test fails when a key, or a ``{placeholder}`` inside a message, exists in one language only.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from importlib import resources
from typing import Callable

LANGS = ("zh-CN", "en")
DEFAULT = "zh-CN"
ENV = "KIT_LANG"

_chosen: str | None = None
_listeners: list[Callable[[str], None]] = []


def normalize(value: str) -> str:
    """Map ``zh``, ``zh_CN.UTF-8``, ``EN-us`` ... to one of LANGS; ValueError otherwise."""
    text = (value or "").strip().split(".")[0].replace("_", "-").lower()
    if text in ("zh", "zh-cn", "zh-hans", "zh-hans-cn", "cn"):
        return "zh-CN"
    if text == "en" or text.startswith("en-"):
        return "en"
    raise ValueError(f"unknown language {value!r}: use one of {', '.join(LANGS)}")


def get_lang() -> str:
    """The language texts are shown in now."""
    if _chosen:
        return _chosen
    env = os.environ.get(ENV, "").strip()
    if env:
        try:
            return normalize(env)
        except ValueError:
            return DEFAULT
    return DEFAULT


def set_lang(value: str | None) -> str:
    """Choose the language for this process (None: back to KIT_LANG / default); tells listeners."""
    global _chosen
    _chosen = None if value is None else normalize(value)
    lang = get_lang()
    for listener in list(_listeners):
        listener(lang)
    return lang


def on_change(listener: Callable[[str], None]) -> Callable[[str], None]:
    """Call ``listener(lang)`` whenever the language changes (widgets re-render themselves)."""
    _listeners.append(listener)
    return listener


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    """All messages of one language, by key."""
    lang = normalize(lang)
    text = resources.files("kitlib.i18n").joinpath(f"messages/{lang}.json").read_text("utf-8")
    return json.loads(text)


def t(key: str, lang: str | None = None, **values) -> str:
    """The message ``key`` in ``lang`` (default: the current language), formatted with values."""
    lang = normalize(lang) if lang else get_lang()
    try:
        message = catalogue(lang)[key]
    except KeyError:
        raise KeyError(f"no message {key!r} in the {lang} catalogue") from None
    return message.format(**values) if values else message


def both(key: str, sep: str = " · ", **values) -> str:
    """Chinese first, then English: for headings every learner reads."""
    return sep.join(t(key, lang, **values) for lang in LANGS)


def lines_in(zh: list[str], en: list[str], lang: str | None = None) -> str:
    """Report lines in one language ("zh-CN" or "en"), or both, Chinese first (any other value)."""
    if lang == "zh-CN":
        return "\n".join(zh)
    if lang == "en":
        return "\n".join(en)
    return "\n".join(zh + en)


def pick(texts: dict, lang: str | None = None) -> str:
    """The current language's entry of a ``{"zh-CN": ..., "en": ...}`` text from a data file."""
    lang = normalize(lang) if lang else get_lang()
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()))
