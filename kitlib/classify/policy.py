"""The tier policy: for each kind of column, its PIPL category, tier, Art. 28 flag and the
protection and retention questions it raises.

The default is ``kitlib/classify/data/tier_policy.toml`` (read it: every entry is explained for a
trainer).  ``load_policy(path)`` reads a trainer's copy instead and checks it; a mistake raises
``PolicyError`` with one line naming the file and the key, e.g.
``my_policy.toml: kinds.cn_mobile.tier: 'secret' is not a tier (general, sensitive, core, none, review)``.

>>> p = load_policy()
>>> p.kinds["cn_resident_id"].tier, p.kinds["cn_resident_id"].art28
('core', True)
>>> p.tier_label("sensitive", "zh-CN")
'敏感'
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..tomlfile import read_toml

__all__ = ["Policy", "KindPolicy", "PolicyError", "load_policy", "default_policy_path", "TIER_ORDER"]

TIER_ORDER = ("core", "sensitive", "general", "none", "review")
_LANGS = ("zh", "en")
_TEXTS = ("protection", "retention")
_KIND_KEYS = {"category", "tier", "art28", "art28_basis", *(f"{t}_{l}" for t in _TEXTS for l in _LANGS)}
_CATEGORY_KEYS = {"art28_basis", *(f"{t}_{l}" for t in _TEXTS for l in _LANGS)}
_TIER_KEYS = {"zh", "en", "about_zh", "about_en"}


class PolicyError(ValueError):
    """The policy file cannot be used; the one-line message names the file and the key."""


@dataclass(frozen=True)
class KindPolicy:
    kind: str
    category: str
    tier: str
    art28: bool
    art28_basis: str          # "" when art28 is false
    protection: dict          # {"zh": ..., "en": ...}
    retention: dict           # {"zh": ..., "en": ...}


@dataclass(frozen=True)
class Policy:
    source: str
    tiers: dict               # tier -> {"zh", "en", "about_zh", "about_en"}
    kinds: dict               # kind -> KindPolicy

    def tier_label(self, tier: str, lang: str = "zh-CN") -> str:
        return self.tiers[tier]["en" if lang == "en" else "zh"]

    def get(self, kind: str) -> KindPolicy:
        """The entry for ``kind``; the ``unknown`` entry for a kind the policy does not list."""
        return self.kinds.get(kind) or self.kinds["unknown"]


def default_policy_path() -> Path:
    return Path(__file__).resolve().with_name("data") / "tier_policy.toml"


def load_policy(path=None) -> Policy:
    """Read and check a policy file (default: the kit's own); PolicyError names file and key."""
    if path is None:
        return _default()
    return _load(Path(path))


@lru_cache(maxsize=1)
def _default() -> Policy:
    return _load(default_policy_path())


def _load(path: Path) -> Policy:
    return parse_policy(read_toml(path, PolicyError), path.name)


def _fail(source: str, key: str, problem: str):
    raise PolicyError(f"{source}: {key}: {problem}")


def _table(data, source, key) -> dict:
    value = data.get(key.rsplit(".", 1)[-1]) if isinstance(data, dict) else None
    if not isinstance(value, dict) or not value:
        _fail(source, key, "missing or empty table")
    return value


def _text(entry: dict, source: str, key: str, field: str, required: bool) -> str:
    value = entry.get(field)
    if value is None:
        if required:
            _fail(source, f"{key}.{field}", "missing")
        return ""
    if not isinstance(value, str) or not value.strip():
        _fail(source, f"{key}.{field}", f"must be non-empty text, got {value!r}")
    return value.strip()


def _unknown_keys(entry: dict, allowed: set, source: str, key: str) -> None:
    extra = sorted(set(entry) - allowed)
    if extra:
        _fail(source, f"{key}.{extra[0]}", f"unknown key (allowed: {', '.join(sorted(allowed))})")


def parse_policy(data: dict, source: str = "<policy>") -> Policy:
    """Check parsed TOML and build the Policy (PolicyError on the first problem)."""
    version = data.get("version")
    if version != 1:
        _fail(source, "version", f"must be 1, got {version!r}")
    extra = sorted(set(data) - {"version", "tiers", "categories", "kinds"})
    if extra:
        _fail(source, extra[0], "unknown key (allowed: version, tiers, categories, kinds)")

    tiers_in = _table(data, source, "tiers")
    missing = [t for t in TIER_ORDER if t not in tiers_in]
    if missing:
        _fail(source, f"tiers.{missing[0]}", "missing (every policy names general, sensitive, core, none, review)")
    tiers = {}
    for tier, entry in tiers_in.items():
        key = f"tiers.{tier}"
        if tier not in TIER_ORDER:
            _fail(source, key, f"unknown tier (allowed: {', '.join(TIER_ORDER)})")
        if not isinstance(entry, dict):
            _fail(source, key, "must be a table")
        _unknown_keys(entry, _TIER_KEYS, source, key)
        tiers[tier] = {f: _text(entry, source, key, f, required=f in ("zh", "en")) for f in sorted(_TIER_KEYS)}

    categories_in = _table(data, source, "categories")
    categories = {}
    for cat, entry in categories_in.items():
        key = f"categories.{cat}"
        if not isinstance(entry, dict):
            _fail(source, key, "must be a table")
        _unknown_keys(entry, _CATEGORY_KEYS, source, key)
        categories[cat] = {f: _text(entry, source, key, f, required=f != "art28_basis") for f in sorted(_CATEGORY_KEYS)}

    kinds_in = _table(data, source, "kinds")
    if "unknown" not in kinds_in:
        _fail(source, "kinds.unknown", "missing (the entry used for columns nobody recognised)")
    kinds = {}
    for kind, entry in kinds_in.items():
        key = f"kinds.{kind}"
        if not isinstance(entry, dict):
            _fail(source, key, "must be a table")
        _unknown_keys(entry, _KIND_KEYS, source, key)
        category = _text(entry, source, key, "category", required=True)
        if category not in categories:
            _fail(source, f"{key}.category", f"{category!r} is not in [categories]")
        tier = _text(entry, source, key, "tier", required=True)
        if tier not in TIER_ORDER:
            _fail(source, f"{key}.tier", f"{tier!r} is not a tier ({', '.join(TIER_ORDER)})")
        art28 = entry.get("art28")
        if not isinstance(art28, bool):
            _fail(source, f"{key}.art28", f"must be true or false, got {art28!r}")
        cat = categories[category]
        basis = _text(entry, source, key, "art28_basis", required=False) or cat["art28_basis"]
        if art28 and not basis:
            _fail(source, f"{key}.art28_basis", f"missing: art28 is true but neither the kind nor categories.{category} says why")
        if art28 and tier in ("general", "none", "review"):
            _fail(source, f"{key}.tier", f"{tier!r} for an Art. 28 kind: use sensitive or core")
        texts = {t: {l: _text(entry, source, key, f"{t}_{l}", required=False) or cat[f"{t}_{l}"] for l in _LANGS}
                 for t in _TEXTS}
        kinds[kind] = KindPolicy(kind, category, tier, art28, basis if art28 else "", texts["protection"], texts["retention"])
    return Policy(source, tiers, kinds)
