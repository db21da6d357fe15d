"""Message catalogues: both languages complete, language chosen by KIT_LANG or the toggle."""
import json
import re
import string
from pathlib import Path

import pytest

from kitlib import i18n
from kitlib.learn.bank import bank_path
from kitlib.learn.modules import catalogue as modules

MESSAGES = Path(i18n.__file__).parent / "messages"


def fields(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_key_exists_in_both_languages():
    zh = json.loads((MESSAGES / "zh-CN.json").read_text("utf-8"))
    en = json.loads((MESSAGES / "en.json").read_text("utf-8"))
    assert sorted(set(zh) - set(en)) == [], "keys only in zh-CN"
    assert sorted(set(en) - set(zh)) == [], "keys only in en"


def test_placeholders_match_between_languages_and_no_message_is_empty():
    zh = i18n.catalogue("zh-CN")
    en = i18n.catalogue("en")
    for key in zh:
        assert fields(zh[key]) == fields(en[key]), key
        assert zh[key].strip() and en[key].strip(), key


def test_chinese_messages_are_chinese():
    han = re.compile(r"[\u4e00-\u9fff]")
    zh = i18n.catalogue("zh-CN")
    untranslated = [k for k, v in zh.items() if not han.search(v) and v != i18n.catalogue("en")[k]]
    assert untranslated == []


def test_every_bank_and_module_title_has_both_languages():
    for info in modules().values():
        assert set(info.titles) == set(i18n.LANGS), info.id
    for info in modules().values():
        path = bank_path(info.id)
        if path.exists():
            text = path.read_text("utf-8")
            assert text.count('"zh-CN"') == text.count('"en"'), path


@pytest.mark.parametrize("raw, lang", [("zh", "zh-CN"), ("zh_CN.UTF-8", "zh-CN"), ("en", "en"),
                                       ("en_US.UTF-8", "en"), ("EN-gb", "en")])
def test_kit_lang_chooses_the_language(monkeypatch, raw, lang):
    monkeypatch.setenv("KIT_LANG", raw)
    i18n.set_lang(None)
    assert i18n.get_lang() == lang


def test_unknown_kit_lang_falls_back_to_chinese(monkeypatch):
    monkeypatch.setenv("KIT_LANG", "klingon")
    i18n.set_lang(None)
    assert i18n.get_lang() == "zh-CN"


def test_toggle_overrides_env_and_tells_listeners(monkeypatch):
    monkeypatch.setenv("KIT_LANG", "zh")
    heard = []
    i18n.on_change(heard.append)
    try:
        assert i18n.set_lang("en") == "en"
        assert i18n.t("quiz.submit") == "Check answer"
        assert heard[-1] == "en"
    finally:
        i18n._listeners.remove(heard.append)
        i18n.set_lang(None)
    assert i18n.t("quiz.submit") == "检查答案"


def test_unknown_key_names_the_key_and_language():
    with pytest.raises(KeyError, match="no message 'nope' in the en catalogue"):
        i18n.t("nope", "en")


def test_both_puts_chinese_first():
    assert i18n.both("quiz.submit") == "检查答案 · Check answer"
