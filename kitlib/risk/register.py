"""The risk register as data: risks on the case's systems, a 5×5 likelihood × impact matrix,
a heat map, the treatment plan and the monitoring indicators.

The matrix and its level thresholds are company policy: legal.md names no scoring method
(PIPL Art. 55–56 asks for an assessment of the risks, not for a particular scale).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..synth.catalogue import COLUMNS
from ..synth.staff import DEPARTMENTS
from ..tomlfile import TomlLines, read_toml

__all__ = ["RiskRegisterError", "Indicator", "Quant", "Risk", "Register", "LEVELS", "TREATMENTS", "ROLES",
           "LABELS", "label", "labelled", "load_register", "default_register_path", "score", "level", "level_label",
           "heat_map", "treatment_plan", "indicators", "check_against_case"]


class RiskRegisterError(ValueError):
    """A register file that cannot be used; the message names file, line and field."""


# score = likelihood × impact; (level, lowest score, zh, en, colour). Company policy, not law.
LEVELS = (
    ("low", 1, "低", "low", "#9bd39b"),
    ("medium", 5, "中", "medium", "#f4e07a"),
    ("high", 10, "高", "high", "#f4a259"),
    ("critical", 20, "极高", "critical", "#d9534f"),
)
TREATMENTS = {
    "avoid": ("规避", "avoid"),
    "reduce": ("降低", "reduce"),
    "transfer": ("转移", "transfer"),
    "accept": ("接受", "accept"),
}
# the case's employee roles (kitlib.synth.staff) in both languages
_ROLE_EN = {"客服专员": "Customer-service agent", "销售代表": "Sales representative", "会计": "Accountant",
            "配送调度": "Delivery dispatcher", "市场专员": "Marketing specialist", "系统管理员": "System administrator",
            "个人信息保护负责人": "Personal-information protection officer", "总经理": "General manager"}
ROLES = {d[1]: (d[1], _ROLE_EN[d[1]]) for d in DEPARTMENTS}
SEVERITIES = {"ordinary": ("一般违法", "ordinary violation"), "serious": ("情节严重", "serious violation")}
DIRECTIONS = {"at_most": ("不超过", "at most"), "at_least": ("不低于", "at least")}

LABELS = {
    "id": ("编号", "id"), "title": ("风险", "risk"), "asset": ("资产", "asset"), "threat": ("威胁", "threat"),
    "vulnerability": ("脆弱性", "vulnerability"), "owner": ("负责人", "owner"),
    "likelihood": ("可能性", "likelihood"), "impact": ("影响", "impact"), "score": ("分值", "score"),
    "level": ("等级", "level"), "treatment": ("处置方式", "treatment"), "action": ("措施", "action"),
    "metric": ("监测指标", "metric"), "threshold": ("阈值", "threshold"), "direction": ("方向", "direction"),
    "observed": ("观测值", "observed"), "breached": ("超出阈值", "breached"),
    "heat_title": ("风险热力图(可能性 × 影响)", "Risk heat map (likelihood × impact)"),
    "matrix_note": ("等级划分为公司政策,法律未规定评分方法", "Levels are company policy; the law prescribes no scoring method"),
    "mean": ("年度预期损失(均值,元)", "annual loss expectancy (mean, RMB)"),
    "p50": ("中位数(元)", "median (RMB)"), "p90": ("第90百分位(元)", "90th percentile (RMB)"),
    "p99": ("第99百分位(元)", "99th percentile (RMB)"),
    "std_error": ("均值标准误(元)", "standard error of the mean (RMB)"),
    "fine_cap": ("第66条罚款上限(元)", "PIPL Art. 66 fine cap (RMB)"),
}


def label(key: str, lang: str = "en") -> str:
    return LABELS[key][1 if lang == "en" else 0]


def labelled(frame: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """``frame`` with its column names in ``lang``, for display."""
    return frame.rename(columns={c: label(c, lang) for c in frame.columns if c in LABELS})


@dataclass(frozen=True)
class Indicator:
    metric_zh: str
    metric_en: str
    threshold: float
    direction: str = "at_most"

    def breached(self, observed: float) -> bool:
        return observed > self.threshold if self.direction == "at_most" else observed < self.threshold


@dataclass(frozen=True)
class Quant:
    """Monte Carlo inputs: events per year as a 90 % range (equal ends: fixed), loss per event (RMB)
    as median and 90th percentile, and the chance, median and severity of a PIPL Art. 66 fine."""
    frequency_low: float
    frequency_high: float
    impact_median_rmb: float
    impact_p90_rmb: float
    fine_probability: float = 0.0
    fine_median_rmb: float = 0.0
    severity: str = "ordinary"


@dataclass(frozen=True)
class Risk:
    id: str
    title_zh: str
    title_en: str
    system: str
    table: str
    threat_zh: str
    threat_en: str
    vulnerability_zh: str
    vulnerability_en: str
    owner: str
    likelihood: int
    impact: int
    treatment: str
    action_zh: str
    action_en: str
    indicator: Indicator
    quant: Quant

    @property
    def score(self) -> int:
        return score(self.likelihood, self.impact)

    @property
    def level(self) -> str:
        return level(self.score)

    def text(self, field: str, lang: str = "en") -> str:
        return getattr(self, f"{field}_{'en' if lang == 'en' else 'zh'}")


@dataclass(frozen=True)
class Register:
    risks: tuple[Risk, ...]
    turnover_rmb: float = 0.0

    def __iter__(self):
        return iter(self.risks)

    def __len__(self):
        return len(self.risks)

    def get(self, risk_id: str) -> Risk:
        for r in self.risks:
            if r.id == risk_id:
                return r
        raise KeyError(risk_id)


# -- the matrix ------------------------------------------------------------------------------------

def score(likelihood: int, impact: int) -> int:
    """Likelihood × impact, each 1–5."""
    for name, v in (("likelihood", likelihood), ("impact", impact)):
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 5:
            raise ValueError(f"{name} must be a whole number 1–5, got {v!r}")
    return likelihood * impact


def level(value: int) -> str:
    """The level of a score 1–25: low 1–4, medium 5–9, high 10–19, critical 20–25."""
    if not 1 <= value <= 25:
        raise ValueError(f"score must be 1–25, got {value!r}")
    return [name for name, low, *_ in LEVELS if value >= low][-1]


def level_label(name: str, lang: str = "en") -> str:
    return next(zh if lang != "en" else en for n, _, zh, en, _c in LEVELS if n == name)


def heat_map(register: Register, lang: str = "en"):
    """A matplotlib Figure: the 5×5 grid coloured by level, each risk's id in its cell."""
    from matplotlib.figure import Figure

    from ..learn.dashboard import use_cjk_fonts

    use_cjk_fonts()
    colours = {name: c for name, *_r, c in LEVELS}
    fig = Figure(figsize=(6.5, 6), layout="constrained")
    ax = fig.add_subplot()
    for lk in range(1, 6):
        for im in range(1, 6):
            ax.add_patch(_rect(lk, im, colours[level(lk * im)]))
    cells: dict[tuple[int, int], list[str]] = {}
    for r in register:
        cells.setdefault((r.likelihood, r.impact), []).append(r.id)
    for (lk, im), ids in cells.items():
        ax.text(lk, im, "\n".join(ids), ha="center", va="center", fontsize=9, fontweight="bold")
    ax.set_xlim(0.5, 5.5)
    ax.set_ylim(0.5, 5.5)
    ax.set_xticks(range(1, 6))
    ax.set_yticks(range(1, 6))
    ax.set_aspect("equal")
    ax.set_xlabel(label("likelihood", lang))
    ax.set_ylabel(label("impact", lang))
    ax.set_title(label("heat_title", lang))
    from matplotlib.patches import Patch
    ax.legend(handles=[Patch(color=c, label=level_label(n, lang)) for n, *_r, c in LEVELS],
              loc="upper left", bbox_to_anchor=(1.01, 1), title=label("level", lang))
    fig.text(0.01, 0.0, label("matrix_note", lang), fontsize=7, color="#555")
    return fig


def _rect(x: int, y: int, colour: str):
    from matplotlib.patches import Rectangle
    return Rectangle((x - 0.5, y - 0.5), 1, 1, facecolor=colour, edgecolor="white", linewidth=2)


# -- treatment plan and indicators -----------------------------------------------------------------

def treatment_plan(register: Register, lang: str = "en") -> pd.DataFrame:
    """One row per risk, highest score first (ties: by id), with owner, treatment and action."""
    en = lang == "en"
    rows = [{"id": r.id, "title": r.text("title", lang), "asset": f"{r.system}/{r.table}",
             "owner": ROLES[r.owner][1 if en else 0], "likelihood": r.likelihood, "impact": r.impact,
             "score": r.score, "level": level_label(r.level, lang),
             "treatment": TREATMENTS[r.treatment][1 if en else 0], "action": r.text("action", lang)}
            for r in register]
    frame = pd.DataFrame(rows, columns=["id", "title", "asset", "owner", "likelihood", "impact", "score", "level",
                                        "treatment", "action"])
    return frame.sort_values(["score", "id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def indicators(register: Register, observed: dict[str, float] | None = None, lang: str = "en") -> pd.DataFrame:
    """The monitoring metrics with thresholds; given ``observed`` values by risk id, which are breached."""
    en = lang == "en"
    observed = observed or {}
    unknown = sorted(set(observed) - {r.id for r in register})
    if unknown:
        raise RiskRegisterError(f"observed: no risk with id {', '.join(unknown)}")
    rows = []
    for r in register:
        ind = r.indicator
        value = observed.get(r.id)
        rows.append({"id": r.id, "owner": ROLES[r.owner][1 if en else 0],
                     "metric": ind.metric_en if en else ind.metric_zh,
                     "direction": DIRECTIONS[ind.direction][1 if en else 0], "threshold": ind.threshold,
                     "observed": value, "breached": None if value is None else ind.breached(value)})
    return pd.DataFrame(rows)


def check_against_case(register: Register, case) -> None:
    """RiskRegisterError unless every risk's system holds its table in the generated case."""
    held = set(zip(case["system_tables"]["system_id"], case["system_tables"]["table_name"]))
    for r in register:
        if (r.system, r.table) not in held:
            raise RiskRegisterError(f"risk {r.id}: system {r.system} does not hold table {r.table} in this case")


# -- reading the file ------------------------------------------------------------------------------

def default_register_path() -> Path:
    return Path(__file__).resolve().with_name("data") / "register.toml"


def load_register(path=None) -> Register:
    """Read and check a register (default: the case company's); RiskRegisterError names file, line, field."""
    if path is None:
        return _default()
    return _load(Path(path))


@lru_cache(maxsize=1)
def _default() -> Register:
    return _load(default_register_path())


_RISK_TEXTS = ("title_zh", "title_en", "threat_zh", "threat_en", "vulnerability_zh", "vulnerability_en",
               "action_zh", "action_en")
_RISK_KEYS = {"id", "system", "table", "owner", "likelihood", "impact", "treatment", "indicator", "quant",
              *_RISK_TEXTS}
_IND_KEYS = {"metric_zh", "metric_en", "threshold", "direction"}
_QUANT_KEYS = {"frequency_low", "frequency_high", "impact_median_rmb", "impact_p90_rmb", "fine_probability",
               "fine_median_rmb", "severity"}
_SYSTEMS = {f"S0{i}" for i in range(1, 8)} | {f"P0{i}" for i in range(1, 5)}


class _Checker:
    def __init__(self, path: Path):
        self.name, self.lines = path.name, TomlLines(path.read_text(encoding="utf-8"))

    def fail(self, where: str, problem: str, section: str | None = None, key: str | None = None, index: int = 0):
        line = self.lines.find(section, key, index)
        at = f"{self.name}:{line}" if line else self.name
        raise RiskRegisterError(f"{at}: {where}: {problem}")


def _load(path: Path) -> Register:
    data = read_toml(path, RiskRegisterError)
    chk = _Checker(path)
    for key in data:
        if key not in {"version", "settings", "risk"}:
            chk.fail(key, "unknown field (known: risk, settings, version)", None, key)
    settings = data.get("settings") or {}
    turnover = settings.get("turnover_rmb", 0)
    if isinstance(turnover, bool) or not isinstance(turnover, (int, float)) or turnover < 0:
        chk.fail("settings.turnover_rmb", f"must be a number ≥ 0, got {turnover!r}", "settings", "turnover_rmb")
    entries = data.get("risk")
    if not isinstance(entries, list) or not entries:
        chk.fail("risk", "no [[risk]] entries")
    risks, seen = [], set()
    for i, entry in enumerate(entries):
        risk = _risk(chk, entry, i)
        if risk.id in seen:
            chk.fail(f"risk {risk.id}.id", "appears twice", "risk", "id", i)
        seen.add(risk.id)
        risks.append(risk)
    return Register(tuple(risks), float(turnover))


def _risk(chk: _Checker, entry: dict, i: int) -> Risk:
    rid = entry.get("id")
    where = f"risk {rid}" if isinstance(rid, str) and rid else f"risk #{i + 1}"
    for key in entry:
        if key not in _RISK_KEYS:
            chk.fail(f"{where}.{key}", f"unknown field (known: {', '.join(sorted(_RISK_KEYS))})", "risk", key, i)

    def text(key, section="risk", index=i, source=entry, at=where):
        value = source.get(key)
        if value is None:
            chk.fail(f"{at}.{key}", "is missing", section, None, index)
        if not isinstance(value, str) or not value.strip():
            chk.fail(f"{at}.{key}", f"must be a non-empty text, got {value!r}", section, key, index)
        return value

    def scale(key):
        value = entry.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            chk.fail(f"{where}.{key}", f"must be a whole number 1–5, got {value!r}", "risk", key, i)
        return value

    def choice(key, options, section="risk", source=entry, at=where):
        value = source.get(key)
        if value not in options:
            chk.fail(f"{at}.{key}", f"must be one of {', '.join(options)}, got {value!r}", section, key, i)
        return value

    texts = {k: text(k) for k in ("id", *_RISK_TEXTS)}
    system = choice("system", sorted(_SYSTEMS))
    table = choice("table", sorted(COLUMNS))
    owner = choice("owner", list(ROLES))
    lk, im = scale("likelihood"), scale("impact")
    treatment = choice("treatment", list(TREATMENTS))
    indicator = _indicator(chk, entry.get("indicator"), where, i, text, choice)
    quant = _quant(chk, entry.get("quant"), where, i, choice)
    return Risk(texts["id"], texts["title_zh"], texts["title_en"], system, table, texts["threat_zh"],
                texts["threat_en"], texts["vulnerability_zh"], texts["vulnerability_en"], owner, lk, im, treatment,
                texts["action_zh"], texts["action_en"], indicator, quant)


def _sub(chk, value, name, where, i, keys):
    if not isinstance(value, dict):
        chk.fail(f"{where}.{name}", f"is missing: add a [risk.{name}] table", "risk", None, i)
    for key in value:
        if key not in keys:
            chk.fail(f"{where}.{name}.{key}", f"unknown field (known: {', '.join(sorted(keys))})",
                     f"risk.{name}", key, i)
    return value


def _number(chk, value, where, section, key, i, low=0.0, high=math.inf):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        bound = f"{low:g}–{high:g}" if high != math.inf else f"≥ {low:g}"
        chk.fail(where, f"must be a number {bound}, got {value!r}", section, key, i)
    return float(value)


def _indicator(chk, value, where, i, text, choice) -> Indicator:
    value = _sub(chk, value, "indicator", where, i, _IND_KEYS)
    at, sec = f"{where}.indicator", "risk.indicator"
    threshold = value.get("threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        chk.fail(f"{at}.threshold", f"must be a number, got {threshold!r}", sec, "threshold", i)
    return Indicator(text("metric_zh", sec, i, value, at), text("metric_en", sec, i, value, at), float(threshold),
                     choice("direction", list(DIRECTIONS), sec, value, at))


def _quant(chk, value, where, i, choice) -> Quant:
    value = _sub(chk, value, "quant", where, i, _QUANT_KEYS)
    at, sec = f"{where}.quant", "risk.quant"
    num = {k: _number(chk, value.get(k), f"{at}.{k}", sec, k, i, high=1.0 if k == "fine_probability" else math.inf)
           for k in sorted(_QUANT_KEYS - {"severity"})}
    if num["frequency_high"] < num["frequency_low"]:
        chk.fail(f"{at}.frequency_high", "is below frequency_low", sec, "frequency_high", i)
    if num["impact_median_rmb"] <= 0 or num["impact_p90_rmb"] < num["impact_median_rmb"]:
        chk.fail(f"{at}.impact_p90_rmb", "needs 0 < impact_median_rmb ≤ impact_p90_rmb", sec, "impact_p90_rmb", i)
    if num["frequency_low"] == 0 and num["frequency_high"] > 0:
        chk.fail(f"{at}.frequency_low", "must be above 0 when frequency_high is (a range on a log scale)",
                 sec, "frequency_low", i)
    if num["fine_probability"] > 0 and num["fine_median_rmb"] <= 0:
        chk.fail(f"{at}.fine_median_rmb", "must be above 0 when fine_probability is", sec, "fine_median_rmb", i)
    return Quant(num["frequency_low"], num["frequency_high"], num["impact_median_rmb"], num["impact_p90_rmb"],
                 num["fine_probability"], num["fine_median_rmb"], choice("severity", list(SEVERITIES), sec, value, at))
