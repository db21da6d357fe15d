"""`kit bank` and `kit learner`: authoring banks and naming the learner from the command line."""
import json

from kitlib.cli import main
from kitlib.learn.bank import SEAL_PREFIX, bank_path
from kitlib.learn.learner import current

PLAIN = {"module": "zz", "questions": [{
    "id": "q1", "kind": "ordering", "answer": ["a", "b"],
    "prompt": {"zh-CN": "排序", "en": "Order"},
    "items": [{"id": "a", "text": {"zh-CN": "先", "en": "first"}, "explain": {"zh-CN": "一", "en": "one"}},
              {"id": "b", "text": {"zh-CN": "后", "en": "then"}, "explain": {"zh-CN": "二", "en": "two"}}]}]}


def test_bank_seal_then_check_a_new_bank(tmp_path, capsys):
    path = tmp_path / "zz.json"
    path.write_text(json.dumps(PLAIN, ensure_ascii=False), "utf-8")
    assert main(["bank", "check", str(path)]) == 2          # plain answers are refused
    assert "not sealed" in capsys.readouterr().err
    assert main(["bank", "seal", str(path)]) == 0
    assert json.loads(path.read_text("utf-8"))["questions"][0]["answer"].startswith(SEAL_PREFIX)
    assert main(["bank", "check", str(path)]) == 0
    assert "1 question(s) (ordering)" in capsys.readouterr().out


def test_bank_check_passes_the_shipped_banks(capsys):
    assert main(["bank", "check", str(bank_path("00"))]) == 0


def test_bank_seal_leaves_a_broken_file_untouched(tmp_path, capsys):
    path = tmp_path / "bad.json"
    broken = dict(PLAIN, questions=[dict(PLAIN["questions"][0], answer=["a", "z"])])
    path.write_text(json.dumps(broken), "utf-8")
    before = path.read_text("utf-8")
    assert main(["bank", "seal", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "question q1.answer" in err
    assert path.read_text("utf-8") == before


def test_learner_set_is_saved_and_env_wins(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KIT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KIT_LEARNER", raising=False)
    assert main(["learner", "set", "张三 Zhang San"]) == 0
    assert current() == "张三 Zhang San"
    monkeypatch.setenv("KIT_LEARNER", "Seat 7")
    assert current() == "Seat 7"
    assert main(["learner", "set", "  "]) == 2


def test_on_a_hub_the_hub_user_name_comes_before_the_os_user(tmp_path, monkeypatch):
    monkeypatch.setenv("KIT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KIT_LEARNER", raising=False)
    monkeypatch.setenv("JUPYTERHUB_USER", "alice")
    assert current() == "alice"                     # not "jovyan", the OS user of every Z2JH learner
    main(["learner", "set", "张三 Zhang San"])
    assert current() == "张三 Zhang San"             # a name the learner chose still wins
