"""Names, genders, pinyin and e-mail addresses, built a column at a time.

Faker supplies the vocabulary (surnames with their frequencies, common given names, Western
names); numpy draws from it for whole columns.  People born before 1980 get the given names
of their generation (Faker's list: 建国, 秀英 …); younger people get two-character names
composed from the characters parents choose today (子涵, 浩宇 …).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from faker.providers.person.en_US import Provider as EnPerson
from faker.providers.person.de_DE import Provider as DePerson
from faker.providers.person.fr_FR import Provider as FrPerson
from faker.providers.person.zh_CN import Provider as ZhPerson
from pypinyin import lazy_pinyin

from .columns import arrow, from_pool, join, pick

RESERVED_DOMAINS = ("example.com", "example.net", "example.org")  # RFC 2606

_MALE_CHARS = "浩宇轩俊杰文博明志嘉晨天泽睿子涛鹏昊然梓航皓辰一鸣思远承卓诚毅骏哲"
_FEMALE_CHARS = "欣怡雨佳梓涵诗婉晓雅思梦琪悦心语彤可馨若萱依蕾静妍雪瑶菲晴曦琳"

# Surnames whose reading as a surname differs from the usual one.
_SURNAME_READINGS = {"单": "shan", "曾": "zeng", "解": "xie", "区": "ou", "仇": "qiu",
                     "查": "zha", "朴": "piao", "盖": "ge", "覃": "qin", "尉": "yu", "乐": "yue"}


class NamePools:
    """Every surname and given name the generator uses, with romanisations, in two pools.

    Generators draw integer indices into these pools; strings are gathered once at the end
    (Arrow `take`), so a million names cost a few array operations.
    """

    def __init__(self):
        zh_family = list(ZhPerson.last_names.keys())
        weights = np.array(list(ZhPerson.last_names.values()), dtype=float)
        west_family = _ascii_only(EnPerson.last_names) + _ascii_only(DePerson.last_names) + _ascii_only(FrPerson.last_names)
        west_family = sorted(set(west_family))
        self.family = np.array(zh_family + west_family, dtype=object)
        self.zh_family_p = weights / weights.sum()
        self.west_family = np.arange(len(zh_family), len(self.family))
        given: list[str] = []
        self.segments: dict[str, np.ndarray] = {}
        for key, names in self._given_segments().items():
            self.segments[key] = np.arange(len(given), len(given) + len(names))
            given += names
        self.given = np.array(given, dtype=object)
        self.family_roman = np.array([pinyin(x, surname=True) if not x.isascii() else x.lower() for x in self.family], dtype=object)
        self.given_roman = np.array([pinyin(x) if not x.isascii() else x.lower() for x in self.given], dtype=object)

    @staticmethod
    def _given_segments() -> dict[str, list[str]]:
        out = {}
        for sex, trad, chars in (("m", ZhPerson.first_names_male, _MALE_CHARS),
                                 ("f", ZhPerson.first_names_female, _FEMALE_CHARS)):
            out[f"zh_old_{sex}"] = list(trad)
            # Younger people: mostly modern two-character names, some single-character ones.
            out[f"zh_young_{sex}"] = [a + b for a in chars for b in chars if a != b] + list(trad[:30])
        out["west_m"] = sorted(set(_ascii_only(EnPerson.first_names_male) + _ascii_only(DePerson.first_names_male)
                                   + _ascii_only(FrPerson.first_names_male)))
        out["west_f"] = sorted(set(_ascii_only(EnPerson.first_names_female) + _ascii_only(DePerson.first_names_female)
                                   + _ascii_only(FrPerson.first_names_female)))
        return out

    def chinese(self, male: np.ndarray, birth_year: np.ndarray, rng: np.random.Generator):
        """(family index, given index) of Chinese names; given names follow the generation."""
        n = len(male)
        family = rng.choice(len(self.zh_family_p), size=n, p=self.zh_family_p)
        segment = np.where(birth_year < 1980, 0, 2) + np.where(male, 0, 1)
        keys = ("zh_old_m", "zh_old_f", "zh_young_m", "zh_young_f")
        return family, self._draw(segment, keys, rng)

    def western(self, male: np.ndarray, rng: np.random.Generator):
        """(family index, given index) of Western names (Latin script)."""
        family = self.west_family[rng.integers(0, len(self.west_family), len(male))]
        return family, self._draw(np.where(male, 0, 1), ("west_m", "west_f"), rng)

    def _draw(self, segment: np.ndarray, keys, rng) -> np.ndarray:
        sizes = np.array([len(self.segments[k]) for k in keys])
        starts = np.array([self.segments[k][0] for k in keys])
        return starts[segment] + (rng.random(len(segment)) * sizes[segment]).astype(np.int64)

    def full_names(self, family: np.ndarray, given: np.ndarray, western: np.ndarray) -> pa.Array:
        """姓名 for Chinese names, 'First Last' for Western ones."""
        fam, giv = from_pool(self.family, family), from_pool(self.given, given)
        return pick(western, join(fam, giv), join(giv, " ", fam))


@lru_cache(maxsize=1)
def name_pools() -> NamePools:
    return NamePools()


def pinyin(text: str, surname: bool = False) -> str:
    """Toneless pinyin without spaces; surnames use their surname reading."""
    if surname and text in _SURNAME_READINGS:
        return _SURNAME_READINGS[text]
    return "".join(lazy_pinyin(text))


def _ascii_only(names) -> list[str]:
    names = list(names.keys()) if isinstance(names, dict) else list(names)
    return sorted({n for n in names if n.isascii() and n.isalpha()})


def emails(given: np.ndarray, surname: np.ndarray, year: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """Distinct e-mail addresses from romanised names, on the reserved example domains only.

    given and surname are lower-case ASCII (pinyin, or a foreign name).
    """
    n = len(given)
    given, surname = arrow(given), arrow(surname)
    yy = (year % 100).astype(np.int64)
    yy = join(np.where(yy < 10, "0", ""), yy)
    num = rng.integers(1, 1000, n)
    initial = pc.utf8_slice_codeunits(given, 0, 1)
    local = pick(rng.integers(0, 5, n),
                 join(given, ".", surname),
                 join(surname, given, yy),
                 join(initial, surname, num),
                 join(surname, "_", given),
                 join(surname, given, num))
    domain = from_pool(RESERVED_DOMAINS, rng.integers(0, 3, n))
    first_try = pd.Series(join(local, "@", domain), dtype="str")
    # Disambiguate repeats the way mail providers make people do: append a number.
    rank = first_try.groupby(first_try, sort=False).cumcount().to_numpy()
    suffix = join(np.where(rank > 0, ".", ""), rank + 1)
    suffix = pc.if_else(pa.array(rank > 0), suffix, pa.scalar("", pa.string()))
    return join(local, suffix, "@", domain)
