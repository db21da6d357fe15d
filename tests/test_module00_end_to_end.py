"""Module 00 top to bottom in a real kernel: a learner answers the quiz, completes the module, gets a
certificate; the store holds every answer; the trainer's dashboard shows it."""
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from kitlib.learn import certificate
from kitlib.learn.store import ProgressStore

ROOT = Path(__file__).resolve().parents[1]
LEARNER = "王芳 Wang Fang"

# What the learner does after running the notebook: one wrong try on question 1, then every
# question right through the widgets, then the completion cell again.
DRIVE = '''
from kitlib.learn.bank import load_bank
quiz = module._quiz
bank = load_bank("00")
quiz.goto(0)
quiz.set_response(next(o.id for o in bank.questions[0].options if o.id != bank.questions[0].answer))
quiz.check_button.click()
for index, question in enumerate(bank):
    quiz.goto(index)
    quiz.set_response(question.answer)
    quiz.check_button.click()
assert all(state.solved for state in quiz.states.values()), quiz.states
module.complete()
'''


def run(path: Path, extra: str | None = None) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    if extra:
        nb.cells.append(nbformat.v4.new_code_cell(extra))
    NotebookClient(nb, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def outputs(nb) -> str:
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            texts.append(out.get("text", ""))
            texts.extend(str(v) for k, v in out.get("data", {}).items() if k.startswith("text/"))
    return "\n".join(texts)


@pytest.fixture
def classroom(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/progress.sqlite"
    monkeypatch.setenv("KIT_PROGRESS_URL", url)
    monkeypatch.setenv("KIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KIT_LEARNER", LEARNER)
    store = ProgressStore(url)
    yield store
    store.close()


def test_module_00_quiz_records_to_the_store_and_issues_a_certificate(classroom):
    nb = run(ROOT / "notebooks" / "00_welcome.ipynb", DRIVE)
    attempts = classroom.attempts(LEARNER, "00")
    assert len(attempts) == 6                                   # one wrong try + five right answers
    first = attempts.sort_values("answered_at").iloc[0]
    assert first["item"] == "relocation-duty" and not first["correct"]
    assert attempts.groupby("item")["correct"].any().all()
    done = classroom.completions(LEARNER)
    assert len(done) == 2                                       # the notebook's cell, then after the quiz
    assert done["score"].iloc[-1] == pytest.approx(0.8)          # 4 of 5 right at the first try
    codes = classroom.certificates(LEARNER)["code"].tolist()
    assert len(codes) == 1
    assert certificate.verify(classroom, codes[0]).ok
    assert codes[0] in outputs(nb)
    html = next((Path(classroom.url.replace("sqlite:///", "")).parent / "data" / "certificates").glob("*.html"))
    assert certificate.verify(classroom, codes[0], html.read_text("utf-8")).ok


def test_the_trainer_dashboard_shows_what_the_learner_did(classroom):
    from kitlib.learn import dashboard

    run(ROOT / "notebooks" / "00_welcome.ipynb", DRIVE)
    first = dashboard.first_try(classroom, lang="en").set_index("item")
    assert first.loc["relocation-duty", "first_try_right"] == 0
    assert first.loc["column-tiers", "first_try_right"] == 1
    grid = dashboard.completion(classroom)
    row = grid[(grid["learner"] == LEARNER) & (grid["module"] == "00")].iloc[0]
    assert row["status"] == "completed" and row["score"] == pytest.approx(0.8)
    wrong = dashboard.common_wrong_answers(classroom, lang="en")
    assert wrong.iloc[0]["item"] == "relocation-duty" and wrong.iloc[0]["count"] == 1

    nb = run(ROOT / "notebooks" / "trainer" / "dashboard.ipynb")
    shown = outputs(nb)
    assert LEARNER in shown                                  # the real room, not the preview
    assert "[模拟/sim]" not in shown                          # no simulated learner mixed in
