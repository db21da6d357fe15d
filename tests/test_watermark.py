"""The watermark tells the kit's files from others and from other keys."""
import numpy as np

from kitlib.cli import main
from kitlib.synth import generate
from kitlib.synth.watermark import check_ids, customer_ids, watermark_key


def test_generated_ids_carry_the_watermark():
    ids = generate(500, seed=9)["customers"]["customer_id"]
    report = check_ids(ids)
    assert report.passed == 500 and report.verdict == "kit"
    assert ids.is_unique and ids.is_monotonic_increasing


def test_ids_with_a_changed_check_or_serial_fail():
    ids = list(customer_ids(200, watermark_key(), np.random.default_rng(0)))
    tampered = [i[:-1] + ("0" if i[-1] != "0" else "1") for i in ids]
    assert check_ids(tampered).passed == 0
    shifted = [f"CM{int(i[2:10]) + 1:08d}{i[10:]}" for i in ids]
    assert check_ids(shifted).share < 0.01


def test_random_lookalike_ids_are_not_taken_for_the_kits():
    rng = np.random.default_rng(1)
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    fake = [f"CM{rng.integers(10**7, 10**8)}" + "".join(rng.choice(list(alphabet), 4)) for _ in range(2000)]
    report = check_ids(fake)
    assert report.passed <= 2 and report.verdict == "not-kit"


def test_a_secret_key_gives_ids_the_public_key_does_not_recognise(monkeypatch):
    monkeypatch.setenv("KIT_WATERMARK_KEY", "drill-secret")
    ids = generate(100, seed=9)["customers"]["customer_id"]
    assert check_ids(ids).verdict == "kit"
    assert check_ids(ids, b"\x00" * 32).passed < 3
    monkeypatch.delenv("KIT_WATERMARK_KEY")
    assert check_ids(ids).passed < 3


def test_kit_watermark_command_reports_on_a_file(tmp_path, capsys):
    out = tmp_path / "d"
    assert main(["dataset", "--customers", "30", "--out", str(out), "--quiet"]) == 0
    assert main(["watermark", str(out / "customers.csv")]) == 0
    assert "30 of 30" in capsys.readouterr().out
    other = tmp_path / "other.csv"
    other.write_text("customer_id\nC1\nC2\n", encoding="utf-8")
    assert main(["watermark", str(other)]) == 1
    assert main(["watermark", str(tmp_path / "missing.csv")]) == 2
