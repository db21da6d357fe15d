"""Two attacks that really run, to show why hashing and dropping names is not de-identification.

1. `recover_mobiles(hashes, prefix)`: unsalted SHA-256 hashes of mobile numbers are reversed by
   hashing every number of a number block and looking the results up.  `full_space_estimate`
   scales the measured speed up to every mainland mobile number.  Keyed pseudonyms
   (`kitlib.protect.pseudonyms.Pseudonymiser`) are not found this way: without the key there is
   nothing to enumerate.
2. `linkage_attack(released, auxiliary)`: an "anonymised" extract (names and IDs removed, district,
   birth year and gender kept) is joined to a public-looking list with names on the same
   quasi-identifiers; a person alone in their combination on both sides is re-identified, and the
   extract's sensitive columns are now attached to their name.  `make_release` and
   `make_auxiliary` build both sides from the synthetic customers.
"""
from __future__ import annotations

import hashlib
import html
import re
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..classify.validators import MOBILE_SEGMENTS
from .errors import WrongColumn
from .transforms import birth_year, to_district

__all__ = ["Recovery", "SpaceEstimate", "recover_mobiles", "full_space_estimate", "Linkage",
           "make_release", "make_auxiliary", "linkage_attack", "GPU_RATE"]

MOBILE_DIGITS = 11
MIN_PREFIX = 4            # 10^7 numbers at most, a few seconds; beyond that use full_space_estimate
GPU_RATE = 1e10           # SHA-256 per second: an assumption for one current GPU, not measured here
_HEX64 = re.compile(r"[0-9a-f]{64}")


# --- 1. enumerating a number block -------------------------------------------------------------------

@dataclass
class Recovery:
    """The result of `recover_mobiles`: recovered maps each recovered hash to its mobile number."""
    prefix: str
    recovered: dict
    hashes: int
    tried: int
    seconds: float

    @property
    def rate(self) -> float:
        """Numbers hashed per second."""
        return self.tried / self.seconds if self.seconds > 0 else float("inf")

    def to_frame(self) -> pd.DataFrame:
        """The recovered hashes and numbers, one row each."""
        return pd.DataFrame(sorted(self.recovered.items(), key=lambda kv: kv[1]), columns=["hash", "mobile"])

    def __str__(self) -> str:
        return (f"block {self.prefix}{'x' * (MOBILE_DIGITS - len(self.prefix))}: {self.tried:,} numbers hashed in "
                f"{self.seconds:.2f} s ({self.rate:,.0f} per second); {len(self.recovered)} of {self.hashes} "
                "hashes recovered")


def _targets(hashes) -> tuple[dict, int]:
    """{digest bytes: hex} of the values that are SHA-256 hex strings, and how many distinct values there were."""
    values = pd.Series(hashes, dtype=object).dropna().astype(str).str.strip().str.lower().unique()
    return {bytes.fromhex(h): h for h in values if _HEX64.fullmatch(h)}, len(values)


def recover_mobiles(hashes, prefix: str) -> Recovery:
    """Hash every 11-digit number that starts with `prefix` (SHA-256 of its ASCII digits, as
    `unsalted_sha256` does) and keep those whose hash is among `hashes` (hex strings; anything
    else, such as keyed pseudonyms, simply never matches).

    A 7-digit prefix is a block of 10 000 numbers, a 5-digit one 1 000 000 (about a second on one core).
    """
    prefix = str(prefix).strip()
    if not prefix.isdigit() or not MIN_PREFIX <= len(prefix) <= MOBILE_DIGITS or not prefix.isascii():
        raise ValueError(f"prefix must be {MIN_PREFIX} to {MOBILE_DIGITS} digits, got {prefix!r}; "
                         "for the whole number space use full_space_estimate()")
    targets, distinct = _targets(hashes)
    width = MOBILE_DIGITS - len(prefix)
    low = min(width, 4)
    suffixes = [b"%0*d" % (low, i) for i in range(10 ** low)] if low else [b""]
    sha256, wanted = hashlib.sha256, frozenset(targets)
    found = []
    start = time.perf_counter()
    for high in range(10 ** (width - low)):
        head = prefix.encode() + (b"%0*d" % (width - low, high) if width > low else b"")
        found += [head + s for s in suffixes if sha256(head + s).digest() in wanted]
    seconds = time.perf_counter() - start
    recovered = {targets[sha256(m).digest()]: m.decode() for m in found}
    return Recovery(prefix=prefix, recovered=recovered, hashes=distinct, tried=10 ** width, seconds=seconds)


@dataclass
class SpaceEstimate:
    """How long hashing every mainland mobile number takes (segments × 10^8 numbers)."""
    segments: int
    numbers: int
    core_rate: float
    gpu_rate: float

    @property
    def core_seconds(self) -> float:
        return self.numbers / self.core_rate

    @property
    def gpu_seconds(self) -> float:
        return self.numbers / self.gpu_rate

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({
            "hashes per second": [self.core_rate, self.gpu_rate],
            "numbers": [self.numbers, self.numbers],
            "seconds": [self.core_seconds, self.gpu_seconds],
            "time": [_duration(self.core_seconds), _duration(self.gpu_seconds)],
        }, index=["one CPU core (measured here, Python)", f"one GPU (ASSUMED {self.gpu_rate:.0e} SHA-256/s)"])

    def __str__(self) -> str:
        return (f"{self.segments} mobile segments × 10^8 = {self.numbers:,} numbers: "
                f"{_duration(self.core_seconds)} on one CPU core at the measured {self.core_rate:,.0f}/s; "
                f"{_duration(self.gpu_seconds)} on one GPU at an assumed {self.gpu_rate:.0e}/s")

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(str(self))}</p>" + self.to_frame().to_html()


def _duration(seconds: float) -> str:
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= size:
            return f"{seconds / size:,.1f} {unit}"
    return f"{seconds:.2f} seconds"


def full_space_estimate(rate, *, gpu_rate: float = GPU_RATE) -> SpaceEstimate:
    """The arithmetic for all mainland mobiles: len(MOBILE_SEGMENTS) three-digit segments with 10^8
    numbers each, at `rate` hashes per second (a number, or the Recovery that measured it) on one
    core, and at `gpu_rate` (an assumption, 10^10/s by default) on one GPU."""
    rate = rate.rate if isinstance(rate, Recovery) else float(rate)
    if not rate > 0 or not gpu_rate > 0:
        raise ValueError(f"rates must be positive, got {rate!r} and {gpu_rate!r}")
    segments = len(MOBILE_SEGMENTS)
    return SpaceEstimate(segments=segments, numbers=segments * 10 ** 8, core_rate=rate, gpu_rate=float(gpu_rate))


# --- 2. linking on quasi-identifiers ----------------------------------------------------------------------

QUASI_IDENTIFIERS = ("district", "birth_year", "gender")


def _individuals(customers: pd.DataFrame) -> pd.DataFrame:
    needed = ["name", "gender", "birth_date", "province", "city", "district"]
    missing = [c for c in needed if c not in customers.columns]
    if missing:
        raise WrongColumn(f"column {missing[0]!r} is not in the customers frame (needed: {', '.join(needed)})")
    if "customer_type" in customers.columns:
        customers = customers[customers["customer_type"] == "individual"]
    return customers


def _quasi_identifiers(customers: pd.DataFrame) -> pd.DataFrame:
    columns = {"district": to_district(customers), "birth_year": birth_year(customers["birth_date"]),
               "gender": customers["gender"]}
    return pd.DataFrame({k: v.to_numpy() for k, v in columns.items()}, index=customers.index)


def make_release(customers: pd.DataFrame, sensitive=("membership_level",)) -> pd.DataFrame:
    """The "anonymised" extract a naive team publishes: individual customers with names, IDs and
    contacts removed, district (province + city + district), birth year and gender kept, and the
    `sensitive` columns.  The index is the customers' own (kept only so a lesson can check the
    attack's answers; the attack never reads it)."""
    people = _individuals(customers)
    sensitive = [sensitive] if isinstance(sensitive, str) else list(sensitive)
    missing = [c for c in sensitive if c not in people.columns]
    if missing:
        raise WrongColumn(f"sensitive column {missing[0]!r} is not in the customers frame")
    return _quasi_identifiers(people).assign(**{c: people[c].to_numpy() for c in sensitive})


def make_auxiliary(customers: pd.DataFrame, share: float = 0.3, seed: int = 0) -> pd.DataFrame:
    """A public-looking roster (a members' club, say) with names: a random `share` of the individual
    customers with a known birth date, with name, district, birth year and gender, in random order.
    Same customers, share and seed: same roster.  The index is the customers' own (see make_release)."""
    if not 0 < share <= 1:
        raise ValueError(f"share must be above 0 and at most 1, got {share!r}")
    people = _individuals(customers)
    people = people[people["birth_date"].notna()]
    sample = people.sample(frac=share, random_state=np.random.default_rng(seed))
    return _quasi_identifiers(sample).assign(name=sample["name"].to_numpy())[["name", *QUASI_IDENTIFIERS]]


@dataclass
class Linkage:
    """The result of `linkage_attack`.

    reidentified: released rows linked to exactly one person of the auxiliary list, who is also the
    only released row with those values: name, quasi-identifiers and the exposed sensitive values.
    ambiguous: released rows whose values match auxiliary people but not one-to-one.
    """
    on: tuple
    released_rows: int
    auxiliary_rows: int
    reidentified: pd.DataFrame = field(repr=False)
    ambiguous: pd.DataFrame = field(repr=False)

    @property
    def rate(self) -> float:
        """Share of the released rows re-identified."""
        return len(self.reidentified) / self.released_rows if self.released_rows else 0.0

    @property
    def rate_of_auxiliary(self) -> float:
        """Share of the people on the auxiliary list whose released row was found."""
        return len(self.reidentified) / self.auxiliary_rows if self.auxiliary_rows else 0.0

    def __str__(self) -> str:
        return (f"linkage on {', '.join(self.on)}: {len(self.reidentified)} of {self.released_rows} released rows "
                f"re-identified ({self.rate:.1%}; {self.rate_of_auxiliary:.1%} of the {self.auxiliary_rows} people "
                f"on the auxiliary list); {len(self.ambiguous)} rows with ambiguous matches")

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(str(self))}</p>" + self.reidentified.head(10).to_html(index=False)


def _check(frame: pd.DataFrame, columns, what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{what} must be a DataFrame, got {type(frame).__name__}")
    for c in columns:
        if c not in frame.columns:
            raise WrongColumn(f"column {c!r} is not in the {what} frame (columns: {', '.join(map(str, frame.columns))})")


def _keyed(frame: pd.DataFrame, on: list, row: str) -> pd.DataFrame:
    """The rows with every quasi-identifier present, the row label in column `row`, keys as objects
    (so that categories, Int64 and plain ints join alike)."""
    complete = frame[frame[on].notna().all(axis=1)]
    keys = {c: complete[c].astype(object).to_numpy() for c in on}
    out = pd.DataFrame({row: complete.index.to_numpy(), **keys})
    out["_n"] = out.groupby(on, sort=False)[row].transform("size").to_numpy()
    return pd.concat([out, complete.drop(columns=on).reset_index(drop=True)], axis=1)


def linkage_attack(released: pd.DataFrame, auxiliary: pd.DataFrame, on=QUASI_IDENTIFIERS, *,
                   name: str = "name", sensitive=None) -> Linkage:
    """Re-identify rows of `released` by joining `auxiliary` (which has `name`) on the columns `on`.

    A released row is re-identified when its combination of `on` values occurs exactly once in
    `released` and exactly once in `auxiliary`.  Rows with a missing quasi-identifier are never
    matched.  sensitive: the released columns exposed (default: every column not in `on`).
    """
    on = [on] if isinstance(on, str) else list(on)
    _check(released, on, "released")
    _check(auxiliary, on + [name], "auxiliary")
    sensitive = [c for c in released.columns if c not in on] if sensitive is None else \
        ([sensitive] if isinstance(sensitive, str) else list(sensitive))
    _check(released, sensitive, "released")
    rel = _keyed(released[on + sensitive], on, "released_row")
    aux = _keyed(auxiliary[on + [name]], on, "aux_row")
    joined = rel.merge(aux, on=on, suffixes=("_released", "_auxiliary"))
    one_to_one = (joined["_n_released"] == 1) & (joined["_n_auxiliary"] == 1)
    found = joined[one_to_one]
    reidentified = found[["released_row", "aux_row", name] + on + sensitive].reset_index(drop=True)
    rest = joined[~one_to_one].drop_duplicates("released_row")
    ambiguous = rest[["released_row"] + on].assign(
        released_in_class=rest["_n_released"].to_numpy(), candidates=rest["_n_auxiliary"].to_numpy()
    ).reset_index(drop=True)
    return Linkage(on=tuple(on), released_rows=len(released), auxiliary_rows=len(auxiliary),
                   reidentified=reidentified, ambiguous=ambiguous)
