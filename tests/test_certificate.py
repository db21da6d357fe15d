"""Certificates: issuing, the verification code, tamper detection in the store and in the HTML, the CLI."""
import json
import re

import pytest
import sqlalchemy as sa

from kitlib.cli import main
from kitlib.learn import certificate, final, modules
from kitlib.learn.certificate import CertificateError, issue, parse_code, render_html, verify
from kitlib.learn.store import ProgressStore, certificates

NAME = "张三 Zhang San"


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path}/p.sqlite"


@pytest.fixture
def store(url):
    s = ProgressStore(url)
    yield s
    s.close()


def _complete(store, learner=NAME, module="00", score=0.75):
    store.record_attempt(learner, module, "q1", "a", True)
    store.record_attempt(learner, module, "q2", "a", False)
    store.record_attempt(learner, module, "q2", "b", True)
    store.record_completion(learner, module, score=score)


def _edit_stored_payload(store, code, change):
    row = store.certificate(code)
    payload = json.loads(row["payload"])
    change(payload)
    with store.engine.begin() as conn:
        conn.execute(sa.update(certificates).where(certificates.c.code == code)
                     .values(payload=json.dumps(payload, ensure_ascii=False)))


def _flip(code, position):
    """The code with one body character replaced by another valid symbol."""
    old = code[position]
    return code[:position] + ("7" if old != "7" else "8") + code[position + 1:]


def test_module_certificate_holds_scores_attempts_and_a_well_formed_code(store):
    _complete(store)
    cert = issue(store, NAME, "module:00")
    assert re.fullmatch(r"KIT(-[0-9A-HJKMNP-TV-Z]{4}){4}-[0-9A-HJKMNP-TV-Z]", cert.code)
    p = cert.payload
    assert p["learner"] == NAME and p["scope"] == "module:00" and p["overall_score"] == 0.75
    assert p["modules"][0]["title_zh"] == modules.module("00").title("zh-CN")
    assert p["attempts"]["00"] == {"answered": 2, "first_try_right": 0.5}
    assert store.certificate(cert.code)["learner"] == NAME


def test_module_score_is_the_best_completion_and_date_the_first(store):
    _complete(store, score=0.5)
    first = store.completions(NAME)["completed_at"].iloc[0]
    store.record_completion(NAME, "00", score=0.9)
    m = issue(store, NAME, "module:00").payload["modules"][0]
    assert m["score"] == 0.9 and m["completed_at"] == first


def _pass_final(store, learner=NAME, answered=None):
    """Take the final assessment with the first ``answered`` questions right (all when None)."""
    exam = final.FinalAssessment(store, learner)
    paper = exam.start()
    return exam.submit(paper, {final.item_id(q): q.answer for q in paper.questions[:answered]}, certificate=False)


def test_course_certificate_covers_every_available_module_and_the_final(store):
    for m in modules.available():
        _complete(store, module=m.id)
    outcome = _pass_final(store, answered=len(final.draw(NAME, 1)) - 1)
    cert = issue(store, NAME, "course")
    assert [m["id"] for m in cert.payload["modules"]] == [m.id for m in modules.available()]
    assert cert.payload["final"]["score"] == outcome.score and cert.payload["final"]["attempt"] == 1
    assert set(cert.payload["final"]["modules"]) == set(final.examined_modules())
    html = render_html(cert)
    assert f'data-key="final">{outcome.score:.0%}<' in html and "结业考核" in html and "Final assessment" in html
    assert verify(store, cert.code, html).ok


def test_course_certificate_needs_a_passed_final_after_every_module(store):
    for m in modules.available():
        _complete(store, module=m.id)
    with pytest.raises(CertificateError, match="has not passed the final assessment"):
        issue(store, NAME, "course")
    assert not _pass_final(store, answered=2).passed
    with pytest.raises(CertificateError, match="has not passed the final assessment"):
        issue(store, NAME, "course")


def test_course_certificate_issued_before_the_final_rule_still_verifies(store):
    """A stored course payload without ``final`` (older kits) keeps its code and its page."""
    for m in modules.available():
        _complete(store, module=m.id)
    record = certificate._record(store, NAME, "module:00")
    payload = {**record, "scope": "course", "issued_at": "2025-01-01T08:00:00.000000Z"}
    code = certificate.code_for(payload)
    store.save_certificate(code, NAME, "course", certificate.canonical(payload), payload["issued_at"])
    old = certificate.Certificate(code, NAME, "course", payload["issued_at"], payload)
    html = render_html(old)
    assert 'data-key="final"' not in html and verify(store, code, html).ok


def test_issue_refuses_when_the_module_or_course_is_incomplete(store):
    with pytest.raises(CertificateError, match="not completed module 00"):
        issue(store, NAME, "module:00")
    with pytest.raises(CertificateError, match="not completed modules 00"):
        issue(store, NAME, "course")
    with pytest.raises(CertificateError, match="no module '99'"):
        issue(store, NAME, "module:99")


def test_reissuing_an_unchanged_record_returns_the_same_code(store):
    _complete(store)
    first = issue(store, NAME, "module:00")
    again = issue(store, NAME, "module:00")
    assert again.code == first.code and again.issued_at == first.issued_at
    assert len(store.certificates(NAME)) == 1


def test_a_changed_score_gets_a_new_certificate(store):
    _complete(store, score=0.5)
    first = issue(store, NAME, "module:00")
    store.record_completion(NAME, "00", score=0.9)
    second = issue(store, NAME, "module:00")
    assert second.code != first.code and second.payload["overall_score"] == 0.9
    assert verify(store, first.code).ok and verify(store, second.code).ok


def test_verify_accepts_an_issued_code_and_its_html(store):
    _complete(store)
    cert = issue(store, NAME, "module:00")
    result = verify(store, cert.code, render_html(cert))
    assert result.ok and result.payload["learner"] == NAME and result.reason_zh


def test_verify_fails_when_the_name_is_changed_in_the_database(store):
    _complete(store)
    cert = issue(store, NAME, "module:00")
    _edit_stored_payload(store, cert.code, lambda p: p.update(learner="李四 Li Si"))
    result = verify(store, cert.code)
    assert not result.ok and "changed after issue" in result.reason


def test_verify_fails_when_a_score_is_changed_in_the_database(store):
    _complete(store)
    cert = issue(store, NAME, "module:00")
    _edit_stored_payload(store, cert.code, lambda p: p["modules"][0].update(score=1.0))
    assert "changed after issue" in verify(store, cert.code).reason


def test_verify_fails_when_the_visible_name_in_the_html_is_changed(store):
    _complete(store)
    cert = issue(store, NAME, "module:00")
    html = render_html(cert).replace(f'data-field="learner">{NAME}<', 'data-field="learner">李四 Li Si<')
    assert "李四" in html
    result = verify(store, cert.code, html)
    assert not result.ok and "name shown" in result.reason


def test_verify_fails_when_a_visible_score_in_the_html_is_changed(store):
    _complete(store)
    cert = issue(store, NAME, "module:00")
    html = render_html(cert)
    for key in ("00", "overall"):
        tampered = html.replace(f'data-key="{key}">75%<', f'data-key="{key}">95%<')
        assert tampered != html
        result = verify(store, cert.code, tampered)
        assert not result.ok and "score shown" in result.reason


def test_verify_fails_when_the_embedded_json_is_edited(store):
    _complete(store)
    cert = issue(store, NAME, "module:00")
    html = render_html(cert)
    tampered = html.replace('"overall_score":0.75', '"overall_score":0.95')
    assert tampered != html
    result = verify(store, cert.code, tampered)
    assert not result.ok and "embedded" in result.reason


def test_verify_fails_for_an_unknown_code(store):
    bogus = certificate.code_for({"nothing": "issued"})
    result = verify(store, bogus)
    assert not result.ok and result.reason.startswith("unknown code")


def test_a_one_character_typo_is_caught_by_the_check_character(store):
    _complete(store)
    code = issue(store, NAME, "module:00").code
    for position in (4, 9, 16, 22):
        result = verify(store, _flip(code, position))
        assert not result.ok
        assert result.reason == "not a valid code: check character mismatch (typo?)"


def test_check_character_catches_every_single_substitution_and_adjacent_swap():
    code = certificate.code_for({"any": "payload"})
    body = code.replace("KIT-", "").replace("-", "")[:16]
    check = code[-1]
    for i in range(16):
        for sym in certificate.CROCKFORD:
            if sym != body[i]:
                assert certificate._check_symbol(body[:i] + sym + body[i + 1:]) != check
        if i < 15 and body[i] != body[i + 1]:
            swapped = body[:i] + body[i + 1] + body[i] + body[i + 2:]
            assert certificate._check_symbol(swapped) != check


def test_parsing_tolerates_lower_case_spaces_missing_hyphens_and_confusables():
    code = "KIT-0123-4567-89AB-CDEF-" + certificate._check_symbol("0123456789ABCDEF")
    plain = code.replace("-", "")
    assert parse_code(code.lower()) == code
    assert parse_code(plain) == code
    assert parse_code(plain[3:]) == code
    assert parse_code(" kit 0123 4567 89ab cdef " + code[-1].lower()) == code
    assert parse_code(code.replace("0", "O").replace("1", "I")) == code
    assert parse_code(code.replace("1", "l")) == code
    with pytest.raises(CertificateError, match="not a valid code"):
        parse_code("KIT-1234")


def test_verify_accepts_a_code_typed_loosely(store):
    _complete(store)
    code = issue(store, NAME, "module:00").code
    assert verify(store, code.lower().replace("-", " ").replace("0", "o")).ok


def test_html_escapes_the_learner_name_and_still_verifies(store):
    evil = "<script>alert(1)</script>"
    _complete(store, learner=evil)
    cert = issue(store, evil, "module:00")
    html = render_html(cert)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<script") == 1           # only the kit's JSON block
    assert verify(store, cert.code, html).ok


def test_html_page_is_bilingual_self_contained_and_print_ready(store):
    _complete(store)
    cert = issue(store, NAME, "module:00")
    html = render_html(cert)
    assert "size: A4 landscape" in html and "Noto Sans CJK SC" in html
    assert "http://" not in html and "https://" not in html and "@import" not in html
    assert html.index("培训结业证书") < html.index("Certificate of training completion")
    assert f"kit certificate verify {cert.code}" in html
    assert "合成" in html and "synthetic" in html and "not a legal qualification" in html
    assert f'data-field="date">{certificate.local_date(cert.issued_at)}<' in html


def test_save_html_writes_the_file_atomically(store, tmp_path):
    _complete(store)
    cert = issue(store, NAME, "module:00")
    path = certificate.save_html(cert, tmp_path / "out" / "c.html")
    assert path.read_text(encoding="utf-8") == render_html(cert)
    assert [p.name for p in path.parent.iterdir()] == ["c.html"]


def test_cli_issue_then_verify_round_trip(store, url, tmp_path, capsys):
    _complete(store)
    out = tmp_path / "cert.html"
    assert main(["certificate", "issue", "--learner", NAME, "--module", "00", "--out", str(out),
                 "--store", url]) == 0
    code, path = capsys.readouterr().out.split()
    assert path == str(out) and out.exists()
    assert main(["certificate", "verify", code, "--file", str(out), "--store", url]) == 0
    line = capsys.readouterr().out
    assert line.count("\n") == 1 and line.startswith(f"VALID {code}: {NAME}, module:00, overall 75%")


def test_cli_issue_for_incomplete_course_exits_1_with_one_line(store, url, capsys):
    assert main(["certificate", "issue", "--learner", NAME, "--course", "--store", url]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not completed" in err


def test_cli_verify_of_a_tampered_file_exits_1(store, url, tmp_path, capsys):
    _complete(store)
    cert = issue(store, NAME, "module:00")
    out = tmp_path / "cert.html"
    out.write_text(render_html(cert).replace(NAME, "李四 Li Si"), encoding="utf-8")
    assert main(["certificate", "verify", cert.code, "--file", str(out), "--store", url]) == 1
    line = capsys.readouterr().out
    assert line.count("\n") == 1 and line.startswith("INVALID")


def test_cli_verify_of_a_bad_code_exits_1_with_one_line(store, url, capsys):
    assert main(["certificate", "verify", "KIT-1234", "--store", url]) == 1
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "not a valid code" in out


def test_cli_errors_for_a_missing_store_or_file_are_one_line_exit_2(store, url, tmp_path, capsys):
    missing = tmp_path / "nowhere" / "p.sqlite"
    assert main(["certificate", "verify", "KIT-0000-0000-0000-0000-0", "--store", f"sqlite:///{missing}"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no progress store" in err and not missing.parent.exists()
    assert main(["certificate", "verify", "x", "--file", str(tmp_path / "no.html"), "--store", url]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert main(["certificate", "issue", "--learner", NAME, "--course", "--store", f"sqlite:///{missing}"]) == 2
    assert capsys.readouterr().err.count("\n") == 1 and not missing.parent.exists()
    assert main(["certificate", "issue", "--learner", NAME, "--course", "--store", "not a url"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_cli_issue_needs_module_or_course(url, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["certificate", "issue", "--learner", NAME, "--store", url])
    assert exc.value.code == 2 and capsys.readouterr().err.count("\n") == 1
