"""Administrative divisions, with the years each code was in use, from python-stdnum's table.

A resident identity number carries the code of the place of registration as it stood when
the number was issued (the birth year here).  Chongming is the case in point: 崇明县 310230
until 2016, 崇明区 310151 after.  `Regions` gives, for every current district, the code that
was valid in each year, following renamed predecessors (县 → 区 or 市) in the same province.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

FIRST_YEAR, LAST_YEAR = 1930, 2030
MUNICIPALITIES = {"11", "12", "31", "50"}
CHONGMING = 310151
# The towns (镇) and townships (乡) of Chongming, for addresses there.
CHONGMING_TOWNS = ("城桥镇", "堡镇", "新河镇", "庙镇", "竖新镇", "向化镇", "三星镇", "港沿镇", "中兴镇",
                   "陈家镇", "绿华镇", "港西镇", "建设镇", "新海镇", "东平镇", "长兴镇", "横沙乡", "新村乡")

_ENTRY = re.compile(r"^\[(\d*)-(\d*)\](.*)$")

# Where the case company's customers live: Chongming first, the rest of Shanghai, then the
# Yangtze delta and a few large cities elsewhere.  Weights are shares of customers.
CUSTOMER_AREAS = [
    ("310151", 0.38),  # 崇明区
    ("3101", 0.34),    # other Shanghai districts
    ("3206", 0.05),    # 南通市 (across the river from Chongming)
    ("3205", 0.04),    # 苏州市
    ("3201", 0.02),    # 南京市
    ("3301", 0.04),    # 杭州市
    ("3302", 0.02),    # 宁波市
    ("3401", 0.02),    # 合肥市
    ("1101", 0.03),    # 北京市
    ("4401", 0.02),    # 广州市
    ("4403", 0.02),    # 深圳市
    ("5101", 0.01),    # 成都市
    ("4201", 0.01),    # 武汉市
]


@dataclass(frozen=True)
class Division:
    code: int
    name: str
    start: int | None
    end: int | None

    def valid_in(self, year: int) -> bool:
        return (self.start is None or year >= self.start) and (self.end is None or year <= self.end)


def _parse_names(code: int, raw: str) -> list[Division]:
    out = []
    for part in raw.split(","):
        m = _ENTRY.match(part)
        if m:
            start, end, name = m.groups()
            out.append(Division(code, name, int(start) if start else None, int(end) if end else None))
        else:
            out.append(Division(code, part, None, None))
    return out


@lru_cache(maxsize=1)
def load_divisions() -> dict[int, list[Division]]:
    """Every six-digit code in stdnum's cn/loc table, with its names and years."""
    text = resources.files("stdnum.cn").joinpath("loc.dat").read_text(encoding="utf-8")
    table: dict[int, list[Division]] = {}
    province = None
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, rest = line.strip().partition(" ")
        value = rest.split("=", 1)[1].strip().strip('"')
        if not line.startswith(" "):
            province = key
            table[int(province + "0000")] = _parse_names(int(province + "0000"), value)
        else:
            code = int(province + key)
            table[code] = _parse_names(code, value)
    return table


@lru_cache(maxsize=None)
def _stem(name: str) -> str:
    return re.sub(r"(自治县|县|区|市)$", "", name)


@dataclass
class District:
    code: int          # today's code
    province: str
    city: str
    district: str
    codes_by_year: np.ndarray  # code valid in FIRST_YEAR + i, 0 where none


class Regions:
    """Current districts of the customer areas, their names and codes through the years."""

    @classmethod
    @lru_cache(maxsize=1)
    def default(cls) -> "Regions":
        """The customer areas of the case company (built once per process)."""
        return cls(CUSTOMER_AREAS)

    def __init__(self, areas=CUSTOMER_AREAS):
        table = load_divisions()
        self.districts: list[District] = []
        weights: list[float] = []
        for prefix, share in areas:
            found = [self._district(code, table) for code in sorted(table)
                     if str(code).startswith(prefix) and self._is_current_county(code, table)]
            if prefix == "3101":
                found = [d for d in found if d.code != CHONGMING]
            for d in found:
                self.districts.append(d)
                weights.append(share / len(found))
        self.weights = np.array(weights) / sum(weights)
        self.codes_by_year = np.stack([d.codes_by_year for d in self.districts])

    @staticmethod
    def _is_current_county(code: int, table) -> bool:
        if code % 100 == 0:
            return False
        names = table[code]
        current = [d for d in names if d.end is None]
        return bool(current) and current[-1].name not in ("市辖区", "县")

    @staticmethod
    def _district(code: int, table) -> District:
        province_code = code // 10000 * 10000
        province = table[province_code][-1].name
        name = [d for d in table[code] if d.end is None][-1].name
        if str(code)[:2] in MUNICIPALITIES:
            city = province
        else:
            city = [d for d in table[code // 100 * 100] if d.end is None][-1].name
        years = np.zeros(LAST_YEAR - FIRST_YEAR + 1, dtype=np.int64)
        # Same-stem predecessors in the same province (崇明县 → 崇明区, 密云县 → 密云区).
        stem = _stem(name)
        lineage = [c for c in range(code // 10000 * 10000, code // 10000 * 10000 + 10000)
                   if c in table and c % 100 and any(_stem(d.name) == stem for d in table[c])]
        lineage = sorted(lineage, key=lambda c: c != code)  # today's code wins ties
        for i, year in enumerate(range(FIRST_YEAR, LAST_YEAR + 1)):
            for c in lineage:
                if any(_stem(d.name) == _stem(name) and d.valid_in(year) for d in table[c]):
                    years[i] = c
                    break
        return District(code, province, city, name, years)

    def sample(self, birth_years: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Pick a current district for each person and the code valid in their birth year.

        Returns (district index, region code).  A district whose area had no code in a
        person's birth year is not offered to that person.
        """
        n = len(birth_years)
        idx = np.empty(n, dtype=np.int64)
        years = np.clip(birth_years, FIRST_YEAR, LAST_YEAR) - FIRST_YEAR
        for y in np.unique(years):
            rows = np.flatnonzero(years == y)
            p = self.weights * (self.codes_by_year[:, y] > 0)
            idx[rows] = rng.choice(len(self.districts), size=len(rows), p=p / p.sum())
        return idx, self.codes_by_year[idx, years]

    def names(self, attr: str) -> np.ndarray:
        return np.array([getattr(d, attr) for d in self.districts], dtype=object)

    def index_of(self, code: int) -> int:
        return next(i for i, d in enumerate(self.districts) if d.code == code)
