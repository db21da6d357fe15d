"""scan_text / scan_many: run the recognizer registry over text and resolve overlaps.

>>> [(f.kind, f.text) for f in scan_text("客户王芳来电,手机138 0013 8000。")]
[('person_name', '王芳'), ('cn_mobile', '138 0013 8000')]
"""
from __future__ import annotations

import gc
import multiprocessing
import operator
import os
from collections.abc import Iterable, Sequence
from functools import lru_cache

from .finding import Finding
from .recognizers import FACT_KINDS, KINDS, Candidate, Recognizer, ScanContext, default_recognizers
from .validators import normalize

__all__ = ["scan_text", "scan_many", "registry"]

_SEPARATOR = "\n"


@lru_cache(maxsize=1)
def registry() -> tuple[Recognizer, ...]:
    """The default recognizers, built once (their word lists and regexes are compiled lazily)."""
    return tuple(default_recognizers())


_START = operator.itemgetter(1)  # Candidate.start


def _resolve(cands: list[Candidate]) -> list[Candidate]:
    """Keep non-overlapping candidates, sorted by start.  Within each group of overlapping
    candidates the higher score wins, then the longer span, then the earlier one."""
    if len(cands) < 2:
        return list(cands)
    cands = sorted(cands, key=_START)  # overlaps are settled per group, so ties need no order
    kept: list[Candidate] = []
    group = [cands[0]]
    group_end = cands[0].end
    for c in cands[1:]:
        if c.start < group_end:
            group.append(c)
            if c.end > group_end:
                group_end = c.end
            continue
        kept.extend(_pick(group) if len(group) > 1 else group)
        group = [c]
        group_end = c.end
    kept.extend(_pick(group) if len(group) > 1 else group)
    return kept


def _pick(group: list[Candidate]) -> list[Candidate]:
    chosen: list[Candidate] = []
    for c in sorted(group, key=lambda c: (-c.score, c.start - c.end, c.start)):
        if all(c.end <= k.start or c.start >= k.end for k in chosen):
            chosen.append(c)
    return sorted(chosen, key=lambda c: c.start)


@lru_cache(maxsize=1)
def _stages() -> tuple[tuple, tuple]:
    """The analyze methods of the entity recognizers and of the fact recognizers."""
    return (tuple(r.analyze for r in registry() if r.stage == "entity"),
            tuple(r.analyze for r in registry() if r.stage != "entity"))


def _scan(text: str, kinds: frozenset | None, min_score: float) -> list[Candidate]:
    norm, _ = normalize(text)
    ctx = ScanContext(text, norm)
    entity_stage, fact_stage = _stages()
    entities: list[Candidate] = []
    for analyze in entity_stage:
        entities += analyze(ctx)
    entities = _resolve([c for c in entities if c.score >= min_score])
    found = entities
    if kinds is None or not kinds.isdisjoint(FACT_KINDS):
        ctx.entities = entities
        facts = [c for analyze in fact_stage for c in analyze(ctx) if c.score >= min_score]
        if facts:
            # Facts are cut around the entities and never overlap them or each other.
            found = sorted(entities + facts, key=_START)
    if kinds is not None:
        found = [c for c in found if c.kind in kinds]
    return found




_new = object.__new__


def _finding(kind: str, start: int, end: int, text: str, score: float, recognizer: str) -> Finding:
    """Finding(...) without the frozen dataclass's per-field __setattr__ (twice as fast)."""
    f = _new(Finding)
    f.__dict__.update(kind=kind, start=start, end=end, text=text, score=score, recognizer=recognizer)
    return f


def _kinds(kinds: Iterable[str] | None) -> frozenset | None:
    if kinds is None:
        return None
    chosen = frozenset([kinds] if isinstance(kinds, str) else kinds)
    unknown = chosen - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kinds: {sorted(unknown)}; known: {', '.join(KINDS)}")
    return chosen


def scan_text(text: str, kinds: Iterable[str] | None = None, min_score: float = 0.5) -> list[Finding]:
    """Personal information in `text`, as findings sorted by start.

    kinds: report only these kinds (all recognizers still run, so that e.g. a resident ID is
    never reported as a bank card); min_score: drop candidates scored below it.
    """
    if not text:
        return []
    return [_finding(kind, start, end, text[start:end], score, recognizer)
            for kind, start, end, score, recognizer in _scan(text, None if kinds is None else _kinds(kinds), min_score)]


def scan_many(texts: Sequence[str], kinds: Iterable[str] | None = None, min_score: float = 0.5,
              chunk_chars: int = 1_000_000, workers: int | None = None) -> list[list[Finding]]:
    """scan_text for many texts at once: one list of findings per text, equal to scan_text's.

    Texts are joined with line breaks, which no recognizer crosses, and scanned in chunks of
    about `chunk_chars` characters.  workers: processes to use; default 1, or the environment's
    `KIT_SCAN_WORKERS`.  With more than one, where the platform forks and there is at least
    ~1 MB of text, children forked from this process scan parts of it (about 1.5x faster on two
    free cores); not in a process whose other threads may hold locks a child would need.
    """
    chosen = _kinds(kinds)
    texts = ["" if t is None else str(t) for t in texts]
    total = sum(map(len, texts))
    n = _workers(workers, total)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # many small objects, none cyclic: the collector would only slow the scan down
    try:
        if n <= 1:
            return _scan_range(texts, 0, len(texts), chosen, min_score, chunk_chars)
        return _scan_parallel(texts, n, chosen, min_score, chunk_chars, total)
    finally:
        if gc_was_enabled:
            gc.enable()


def _workers(workers: int | None, total_chars: int) -> int:
    if workers is None:
        env = os.environ.get("KIT_SCAN_WORKERS", "")
        workers = int(env) if env.isdigit() else 1
    if total_chars < _PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return 1  # too little to share out, or a spawned worker would re-import everything
    return max(1, min(workers, os.cpu_count() or 1))


_PARALLEL_FROM = 400_000  # characters (about 1 MB of Chinese text)


def _scan_parallel(texts, n, chosen, min_score, chunk_chars, total) -> list[list[Finding]]:
    """Split the texts into n parts of about equal size; n-1 forked children scan theirs and send
    compact tuples back while this process scans the first part."""
    bounds, size, goal = [0], 0, total / n
    for i, t in enumerate(texts):
        size += len(t) + 1
        if size >= goal and len(bounds) < n:
            bounds.append(i + 1)
            goal += total / n
    bounds.append(len(texts))
    _scan("客户王芳来电,手机13800138000。Mr. John Smith is allergic. 出生1990-03-07", None, 0.0)  # compile before forking
    context = multiprocessing.get_context("fork")
    children = []
    for a, b in zip(bounds[1:-1], bounds[2:]):
        receiver, sender = context.Pipe(duplex=False)
        proc = context.Process(target=_child, args=(sender, texts, a, b, chosen, min_score, chunk_chars), daemon=True)
        proc.start()
        sender.close()
        children.append((proc, receiver, a, b))
    out = _scan_range(texts, bounds[0], bounds[1], chosen, min_score, chunk_chars)
    for proc, receiver, a, b in children:
        try:
            rows = receiver.recv()
        except EOFError:  # the child died: do its part here
            rows = None
        proc.join()
        receiver.close()
        if rows is None:
            out += _scan_range(texts, a, b, chosen, min_score, chunk_chars)
            continue
        for t, found in zip(texts[a:b], rows):
            out.append([_finding(k, s, e, t[s:e], sc, r) for k, s, e, sc, r in found])
    return out


def _child(sender, texts, a, b, chosen, min_score, chunk_chars):
    gc.disable()
    try:
        rows = [[(f.kind, f.start, f.end, f.score, f.recognizer) for f in found]
                for found in _scan_range(texts, a, b, chosen, min_score, chunk_chars)]
        sender.send(rows)
    finally:
        sender.close()


def _scan_range(texts: list[str], a: int, b: int, chosen, min_score: float, chunk_chars: int) -> list[list[Finding]]:
    out: list[list[Finding]] = [[] for _ in range(a, b)]
    i = a
    while i < b:
        # Texts that contain a line break are scanned alone (the join relies on line breaks).
        j, size = i, 0
        while j < b and size < chunk_chars:
            if "\n" in texts[j]:
                if j == i:
                    j += 1
                break
            size += len(texts[j]) + 1
            j += 1
        if j - i == 1:
            t = texts[i]
            if t:
                out[i - a] = [_finding(c.kind, c.start, c.end, t[c.start:c.end], c.score, c.recognizer)
                              for c in _scan(t, chosen, min_score)]
            i = j
            continue
        joined = _SEPARATOR.join(texts[i:j])
        # Findings come sorted by start: walk the texts alongside them.
        k, base, nxt = i, 0, len(texts[i]) + 1
        row = out[k - a]
        for kind, start, end, score, recognizer in _scan(joined, chosen, min_score):
            while start >= nxt:
                k += 1
                base = nxt
                nxt += len(texts[k]) + 1
                row = out[k - a]
            f = _new(Finding)
            f.__dict__.update(kind=kind, start=start - base, end=end - base, text=joined[start:end], score=score,
                              recognizer=recognizer)
            row.append(f)
        i = j
    return out
