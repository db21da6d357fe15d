"""The risk register (issue 9): data file checks, the 5×5 matrix, heat map, treatment plan,
indicators and the Monte Carlo annual loss expectancy."""
from __future__ import annotations

import math

import numpy as np
import pytest

from kitlib.risk import (LEVELS, Quant, RiskRegisterError, art66_cap, check_against_case,
                         default_register_path, expected_loss_fixed_rate, heat_map, indicators, labelled, level,
                         load_register, score, simulate, simulate_register, treatment_plan)


@pytest.fixture(scope="module")
def register():
    return load_register()


def _edited(tmp_path, old: str, new: str, count: int = 1):
    text = default_register_path().read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "register.toml"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


def _line_of(path, needle: str, nth: int = 0) -> int:
    hits = [i + 1 for i, line in enumerate(path.read_text(encoding="utf-8").splitlines())
            if needle in line and not line.lstrip().startswith("#")]
    return hits[nth]


# -- the register as data ------------------------------------------------------------------------

def test_default_register_has_every_part_in_both_languages(register):
    assert len(register) >= 6
    assert {r.treatment for r in register} == {"avoid", "reduce", "transfer", "accept"}
    for r in register:
        for field in ("title", "threat", "vulnerability", "action"):
            assert r.text(field, "zh") and r.text(field, "en") and r.text(field, "zh") != r.text(field, "en")
        assert r.indicator.metric_zh and r.indicator.metric_en
    assert register.turnover_rmb > 0


def test_default_register_assets_exist_in_the_generated_case(register, dissolution_case):
    check_against_case(register, dissolution_case)
    employees = dissolution_case["employees"]
    assert {r.owner for r in register} <= set(employees["role"])


def test_asset_not_held_by_its_system_is_refused(register, dissolution_case, tmp_path):
    path = _edited(tmp_path, 'system = "S04"\ntable = "tickets"', 'system = "S04"\ntable = "customers"')
    with pytest.raises(RiskRegisterError, match="R08: system S04 does not hold table customers"):
        check_against_case(load_register(path), dissolution_case)


@pytest.mark.parametrize("old, new, field", [
    ("likelihood = 4\nimpact = 5", "likelihood = 6\nimpact = 5", "risk R01.likelihood"),
    ('owner = "系统管理员"', 'owner = "CEO"', "risk R01.owner"),
    ('treatment = "reduce"', 'treatment = "ignore"', "risk R01.treatment"),
    ('table = "customers"', 'table = "clients"', "risk R01.table"),
    ("impact_p90_rmb = 3_000_000", "impact_p90_rmb = 100", "risk R01.quant.impact_p90_rmb"),
    ("fine_probability = 0.3", "fine_probability = 1.3", "risk R01.quant.fine_probability"),
    ('severity = "serious"', 'severity = "grave"', "risk R01.quant.severity"),
    ('direction = "at_most"', 'direction = "below"', "risk R01.indicator.direction"),
])
def test_bad_field_names_file_line_and_field(tmp_path, old, new, field):
    path = _edited(tmp_path, old, new)
    key = new.split("\n")[0].split(" =")[0] if "likelihood" not in new else "likelihood"
    with pytest.raises(RiskRegisterError) as err:
        load_register(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"register.toml:{_line_of(path, key + ' =')}: {field}:"), message


def test_unknown_field_missing_indicator_and_duplicate_id_are_named(tmp_path):
    path = _edited(tmp_path, 'id = "R02"', 'id = "R02"\ncolour = "red"')
    with pytest.raises(RiskRegisterError, match=rf"^register.toml:{_line_of(path, 'colour')}: risk R02.colour: unknown"):
        load_register(path)
    path = _edited(tmp_path, 'id = "R02"', 'id = "R01"')
    with pytest.raises(RiskRegisterError, match=r"risk R01.id: appears twice"):
        load_register(path)
    text = default_register_path().read_text(encoding="utf-8")
    first = text.index("\n[risk.indicator]")
    path.write_text(text[:first] + text[text.index("\n[risk.quant]", first):], encoding="utf-8")
    with pytest.raises(RiskRegisterError, match=r"risk R01.indicator: is missing"):
        load_register(path)


def test_unreadable_register_is_one_line_error(tmp_path):
    path = tmp_path / "register.toml"
    path.write_text("[[risk]\nid = ", encoding="utf-8")
    with pytest.raises(RiskRegisterError, match=r"^register.toml: not valid TOML"):
        load_register(path)
    with pytest.raises(RiskRegisterError, match=r"^nothing.toml: no such file"):
        load_register(tmp_path / "nothing.toml")


# -- the qualitative matrix ------------------------------------------------------------------------

def test_matrix_levels_follow_the_stated_thresholds():
    assert [level(s) for s in (1, 4, 5, 9, 10, 16, 20, 25)] == \
        ["low", "low", "medium", "medium", "high", "high", "critical", "critical"]
    assert [low for _n, low, *_r in LEVELS] == [1, 5, 10, 20]
    assert score(4, 5) == 20
    for bad in ((0, 3), (3, 6), (2.5, 2), (True, 2)):
        with pytest.raises(ValueError):
            score(*bad)


def test_heat_map_places_each_risk_in_its_cell(register):
    fig = heat_map(register, "en")
    ax = fig.axes[0]
    placed = {}
    for t in ax.texts:
        for rid in t.get_text().split("\n"):
            placed[rid] = t.get_position()
    assert placed == {r.id: (r.likelihood, r.impact) for r in register}
    colours = {n: c for n, *_r, c in LEVELS}
    cells = [p for p in ax.patches]
    assert len(cells) == 25
    from matplotlib.colors import to_hex
    for p in cells:
        x, y = p.get_x() + 0.5, p.get_y() + 0.5
        assert to_hex(p.get_facecolor()) == colours[level(round(x) * round(y))]
    assert ax.get_xlabel() == "likelihood"
    assert heat_map(register, "zh").axes[0].get_xlabel() == "可能性"


# -- treatment plan and indicators -----------------------------------------------------------------

def test_treatment_plan_is_sorted_by_score_and_bilingual(register):
    plan = treatment_plan(register)
    assert len(plan) == len(register)
    assert plan["score"].tolist() == sorted(plan["score"], reverse=True)
    assert (plan["score"] == plan["likelihood"] * plan["impact"]).all()
    assert plan.iloc[0]["id"] == max(register, key=lambda r: (r.score, -int(r.id[1:]))).id
    zh = labelled(treatment_plan(register, "zh"), "zh")
    assert {"编号", "风险", "负责人", "等级", "处置方式", "措施"} <= set(zh.columns)
    assert set(zh["处置方式"]) <= {"规避", "降低", "转移", "接受"}


def test_indicators_flag_breaches_in_both_directions(register):
    at_most = next(r for r in register if r.indicator.direction == "at_most")
    at_least = next(r for r in register if r.indicator.direction == "at_least")
    frame = indicators(register, {at_most.id: at_most.indicator.threshold + 1,
                                  at_least.id: at_least.indicator.threshold}).set_index("id")
    assert frame.loc[at_most.id, "breached"] is True
    assert frame.loc[at_least.id, "breached"] is False
    assert frame["breached"].isna().sum() == len(register) - 2
    low = indicators(register, {at_least.id: at_least.indicator.threshold - 1}).set_index("id")
    assert low.loc[at_least.id, "breached"] is True
    with pytest.raises(RiskRegisterError, match="no risk with id R99"):
        indicators(register, {"R99": 1})


# -- Monte Carlo -----------------------------------------------------------------------------------

def test_mean_agrees_with_closed_form_within_four_standard_errors():
    rate, median, p90, n = 2.0, 100_000.0, 500_000.0, 200_000
    sim = simulate(Quant(rate, rate, median, p90), n=n, seed=7)
    expected = expected_loss_fixed_rate(rate, median, p90)
    mu, sigma = math.log(median), (math.log(p90) - math.log(median)) / 1.2815515655446004
    assert expected == pytest.approx(rate * math.exp(mu + sigma ** 2 / 2))
    # compound Poisson: Var(annual loss) = λ·E[X²] = λ·exp(2μ + 2σ²)
    standard_error = math.sqrt(rate * math.exp(2 * mu + 2 * sigma ** 2) / n)
    assert abs(sim.mean - expected) < 4 * standard_error
    assert sim.fines.sum() == 0


def test_uncertain_rate_mean_agrees_with_closed_form():
    low, high, median, p90, n = 0.5, 4.0, 20_000.0, 60_000.0, 200_000
    sim = simulate(Quant(low, high, median, p90), n=n, seed=3)
    m, s = (math.log(low) + math.log(high)) / 2, (math.log(high) - math.log(low)) / (2 * 1.6448536269514722)
    expected = math.exp(m + s ** 2 / 2) * expected_loss_fixed_rate(1.0, median, p90)
    assert abs(sim.mean - expected) < 4 * sim.std_error


def test_same_seed_gives_identical_samples_and_other_seed_does_not(register):
    risk = register.get("R01")
    a, b, c = simulate(risk, 5_000, seed=42), simulate(risk, 5_000, seed=42), simulate(risk, 5_000, seed=43)
    assert np.array_equal(a.samples, b.samples) and a.mean == b.mean and a.p99 == b.p99
    assert not np.array_equal(a.samples, c.samples)
    assert simulate_register(register, 2_000, seed=1).equals(simulate_register(register, 2_000, seed=1))


def test_percentiles_are_ordered_and_match_the_samples(register):
    sim = simulate(register.get("R02"), 10_000, seed=5, turnover_rmb=register.turnover_rmb)
    assert sim.p50 <= sim.p90 <= sim.p99
    assert sim.p90 == pytest.approx(np.percentile(sim.samples, 90))
    assert sim.mean == pytest.approx(sim.samples.mean())


def test_fines_never_exceed_the_art66_cap_for_the_severity():
    ordinary = simulate(Quant(3, 3, 1_000, 2_000, fine_probability=1.0, fine_median_rmb=20_000_000), 5_000, seed=1)
    assert ordinary.fines.max() == art66_cap("ordinary") == 1_000_000
    assert (ordinary.fines > 0).mean() > 0.9
    serious = Quant(3, 3, 1_000, 2_000, fine_probability=1.0, fine_median_rmb=1e9, severity="serious")
    small = simulate(serious, 5_000, seed=1, turnover_rmb=10_000_000)
    assert small.fines.max() == art66_cap("serious", 10_000_000) == 50_000_000
    big = simulate(serious, 5_000, seed=1, turnover_rmb=2_000_000_000)
    assert big.fines.max() == art66_cap("serious", 2_000_000_000) == 100_000_000


def test_register_simulation_ranks_by_expected_loss_with_caps(register):
    frame = simulate_register(register, 4_000, seed=2)
    assert frame["mean"].tolist() == sorted(frame["mean"], reverse=True)
    caps = dict(zip(frame["id"], frame["fine_cap"]))
    for r in register:
        assert caps[r.id] == art66_cap(r.quant.severity, register.turnover_rmb)
    assert "年度预期损失(均值,元)" in labelled(frame, "zh").columns


def test_bad_simulation_input_is_refused():
    q = Quant(1, 1, 10, 20)
    for n in (0, -5, 2.5):
        with pytest.raises(ValueError, match="n must be"):
            simulate(q, n)
    with pytest.raises(ValueError, match="severity"):
        art66_cap("grave")
