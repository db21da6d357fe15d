"""Every module notebook follows the template; the template itself does too."""
import json
import re
from pathlib import Path

import pytest

from kitlib.learn.modules import catalogue

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TEMPLATE = ROOT / "kitlib" / "templates" / "module_template.ipynb"
HEADINGS = ["学习目标 · Learning objectives", "预计用时 · Estimated time", "先修 · Prerequisites",
            "检查你的理解 · Check your understanding", "小结 · Summary", "参考 · References",
            "完成本模块 · Complete the module"]
HAN = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_WORD = re.compile(r"\b[A-Za-z]{3,}\b")


def cells(path):
    return json.loads(path.read_text("utf-8"))["cells"]


def text(cell):
    return "".join(cell["source"])


def prose(cell):
    """Markdown without code spans, comments and link targets: what a learner reads."""
    body = re.sub(r"<!--.*?-->|`[^`]*`|\]\([^)]*\)", "", text(cell), flags=re.S)
    return body


@pytest.mark.parametrize("path", MODULES + [TEMPLATE], ids=lambda p: p.name)
def test_notebook_has_every_template_section_in_order(path):
    markdown = "\n".join(text(c) for c in cells(path) if c["cell_type"] == "markdown")
    positions = [markdown.find(h) for h in HEADINGS]
    assert -1 not in positions, [h for h, p in zip(HEADINGS, positions) if p == -1]
    assert positions[3] < positions[4] < positions[5] < positions[6]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_module_opens_with_both_titles_and_starts_and_completes(path):
    module_id = path.name[:2]
    nb = cells(path)
    first = text(nb[0]).splitlines()
    assert first[0].startswith(f"# {module_id} · ") and HAN.search(first[0])
    assert first[1].startswith("## ") and not HAN.search(first[1])
    assert f"<!-- kit:module {module_id} -->" in text(nb[0])
    code = [text(c) for c in nb if c["cell_type"] == "code"]
    assert f'learn.start("{module_id}")' in code[0]
    assert re.fullmatch(r"module\.complete\((\w+=\w+(, \w+=\w+)*)?\)", code[-1].strip())   # keywords allowed
    info = catalogue()[module_id]
    assert info.notebook == path.name and info.available
    assert f"{info.minutes} 分钟 · {info.minutes} minutes" in "".join(text(c) for c in nb)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_prose_is_bilingual_with_chinese_first(path):
    for n, cell in enumerate(cells(path)):
        if cell["cell_type"] != "markdown":
            continue
        body = prose(cell)
        han, word = HAN.search(body), ENGLISH_WORD.search(body)
        assert han, f"cell {n} has no Chinese"
        assert word, f"cell {n} has no English"
        assert han.start() < word.start(), f"cell {n}: English before Chinese: {body[:60]!r}"


@pytest.mark.parametrize("path", MODULES + [TEMPLATE], ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    for cell in cells(path):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def test_every_available_module_has_a_notebook_and_a_bank():
    for info in catalogue().values():
        if info.available:
            assert (ROOT / "notebooks" / info.notebook).exists()
            assert (ROOT / "kitlib" / "learn" / "banks" / f"{info.id}.json").exists()


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_references_cite_article_numbers(path):
    nb = "".join(text(c) for c in cells(path))
    references = nb[nb.find("参考 · References"):]
    assert re.search(r"Arts?\. \d+", references)
