"""kitlib.classify against its targets, and against Presidio's pattern recognizers, in one run.

(i)   inventory({"customers": df}) on generate(customers=1,000,000)'s customers table, in a fresh
      process, best of --repeat calls (target: <= 10 s);
(ii)  scan_text over every ticket of generate(customers=50,000), the tickets repeated until there
      are >= --min-mb MB of UTF-8 text (target: >= 5 MB/s), and span F1 (exact start, end and kind)
      against case.ticket_spans over one copy;
(iii) the same tickets through Presidio's AnalyzerEngine.analyze(text, language="en") with a blank
      spaCy pipeline (no model download) and only its generic pattern recognizers: MB/s and F1
      under the entity mapping PRESIDIO_KINDS; the kinds it cannot see count as missed.
Also, as an extra (not a target), scan_many over the same tickets: the scanner's batch path.
Scanner and Presidio are timed in alternating rounds so that both see the same machine load.

Usage: python benchmarks/bench_classify.py [--customers 1000000] [--ticket-customers 50000]
           [--min-mb 5] [--presidio-tickets 0] [--presidio-only]
Needs the `bench` extra (presidio-analyzer, spacy): pip install -c constraints.txt -e ".[bench]".
MB here is 10**6 bytes of UTF-8. Last line: JSON with the figures.
"""
from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import time
from collections import Counter

SEED = 20261129
# Presidio entity type -> the kinds of ours a span of it may stand for (a span scores as a match
# when it matches a ground-truth span of any of them).  Types not listed are dropped, neither hit
# nor false alarm.
PRESIDIO_KINDS = {
    "EMAIL_ADDRESS": ("email",),
    "CREDIT_CARD": ("bank_card",),
    "IBAN_CODE": ("bank_card",),
    "IP_ADDRESS": ("ip_address",),
    "PHONE_NUMBER": ("cn_mobile", "cn_landline"),
    "DATE_TIME": ("birth_date",),
}
# Presidio's PhoneRecognizer default regions, plus CN: without it no Chinese number validates.
PHONE_REGIONS = ("US", "GB", "DE", "FR", "IL", "IN", "CA", "BR", "CN")


def _need_classify():
    try:
        from kitlib.classify import inventory, scan_text
        if not callable(inventory):  # the submodule, while __init__ does not export the function
            inventory = inventory.inventory
    except (ImportError, AttributeError) as exc:
        sys.exit(f"bench_classify: kitlib.classify has no scan_text/inventory yet ({exc}); "
                 "nothing to measure. Use --presidio-only to check the Presidio baseline alone.")
    try:
        from kitlib.classify import scan_many
    except ImportError:
        scan_many = None
    return inventory, scan_text, scan_many


def _need_presidio():
    try:
        import presidio_analyzer  # noqa: F401
        import spacy  # noqa: F401
    except ImportError as exc:
        sys.exit(f"bench_classify: {exc.name} is missing; install the bench extra: "
                 "pip install -c constraints.txt -e \".[bench]\" (or run `python tasks.py bench`)")


# --- (i) inventory, in a child process -------------------------------------------------------

def inventory_child(customers: int, repeat: int) -> None:
    """Fresh process: generate, keep only customers, time inventory() alone."""
    inventory = _need_classify()[0]
    from kitlib.synth import generate
    start = time.perf_counter()
    case = generate(customers=customers, seed=SEED)
    gen_s = time.perf_counter() - start
    df = case.tables["customers"]
    truth = case.catalogue[case.catalogue["table"] == "customers"].set_index("column")["kind"]
    del case
    gc.collect()
    times, inv = [], None
    for _ in range(repeat):
        inv = None
        gc.collect()
        start = time.perf_counter()
        inv = inventory({"customers": df})
        times.append(time.perf_counter() - start)
    got = inv.set_index("column")["kind"] if {"column", "kind"} <= set(inv.columns) else None
    agree = None if got is None else int(sum(str(got.get(c)) == str(k) for c, k in truth.items()))
    print(json.dumps({"seconds": times, "generate_s": gen_s, "rows": len(df), "columns": df.shape[1],
                      "inventory_rows": len(inv), "kinds_agree": agree, "kinds_total": len(truth),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def run_inventory(customers: int, repeat: int) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--inventory-child", "--customers", str(customers),
                           "--repeat", str(repeat)], capture_output=True, text=True)
    if proc.returncode:
        sys.stderr.write(proc.stderr)
        sys.exit(f"bench_classify: the inventory child failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- (iii) Presidio, pattern recognizers only ------------------------------------------------

def presidio_engine():
    """AnalyzerEngine over spacy.blank("en"): no model, no download, generic pattern recognizers."""
    import logging

    import spacy
    import tldextract
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import (CreditCardRecognizer, DateRecognizer,
                                                          EmailRecognizer, IbanRecognizer,
                                                          IpRecognizer, PhoneRecognizer)
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)

    class BlankSpacyNlpEngine(SpacyNlpEngine):
        """SpacyNlpEngine whose pipeline is spacy.blank(lang): a tokenizer only, nothing to load."""

        def __init__(self, lang: str = "en"):
            super().__init__(models=[{"lang_code": lang, "model_name": f"blank:{lang}"}])
            self.lang = lang

        def load(self) -> None:
            self.nlp = {self.lang: spacy.blank(self.lang)}

    # EmailRecognizer checks the domain with tldextract, whose default extractor fetches the
    # public-suffix list from the network on first use; the same check on its bundled snapshot:
    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    class OfflineEmailRecognizer(EmailRecognizer):
        def validate_result(self, pattern_text: str):
            return offline(pattern_text).fqdn != ""

    recognizers = [OfflineEmailRecognizer(), CreditCardRecognizer(), IbanRecognizer(), IpRecognizer(),
                   PhoneRecognizer(supported_regions=PHONE_REGIONS), DateRecognizer()]
    registry = RecognizerRegistry(recognizers=recognizers, supported_languages=["en"])
    return AnalyzerEngine(registry=registry, nlp_engine=BlankSpacyNlpEngine("en"),
                          supported_languages=["en"]), [type(r).__name__ for r in recognizers]


def presidio_spans(results) -> list[tuple[int, int, tuple[str, ...]]]:
    return [(r.start, r.end, PRESIDIO_KINDS[r.entity_type]) for r in results
            if r.entity_type in PRESIDIO_KINDS]


# --- scoring ---------------------------------------------------------------------------------

def score(gold: list[set], predicted: list[list]) -> dict:
    """Span P/R/F1: a prediction (start, end, kinds) is a hit when a not yet matched ground-truth
    span has the same start and end and one of its kinds; also the lenient (any overlap) F1."""
    hits, n_pred, n_gold, lenient_hits, lenient_gold = 0, 0, 0, 0, 0
    per_gold, per_hit, per_false = Counter(), Counter(), Counter()
    for spans, preds in zip(gold, predicted):
        n_gold += len(spans)
        per_gold.update(k for _, _, k in spans)
        free = set(spans)
        n_pred += len(preds)
        for start, end, kinds in preds:
            for kind in kinds:
                if (start, end, kind) in free:
                    free.discard((start, end, kind))
                    hits += 1
                    per_hit[kind] += 1
                    break
            else:
                per_false["/".join(kinds)] += 1
        lenient_hits += sum(any(gs < pe and ps < ge and gk in pks for ps, pe, pks in preds)
                            for gs, ge, gk in spans)
        lenient_gold += sum(any(gs < pe and ps < ge and gk in pks for gs, ge, gk in spans)
                            for ps, pe, pks in preds)
    p = hits / n_pred if n_pred else 0.0
    r = hits / n_gold if n_gold else 0.0
    lp = lenient_gold / n_pred if n_pred else 0.0
    lr = lenient_hits / n_gold if n_gold else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "f1_overlap": 2 * lp * lr / (lp + lr) if lp + lr else 0.0, "predicted": n_pred,
            "gold": n_gold, "hits": hits, "recall_by_kind": {k: per_hit[k] / n for k, n in per_gold.items()},
            "false_by_kind": dict(per_false)}


# --- main ------------------------------------------------------------------------------------

def load_tickets(customers: int):
    from kitlib.synth import generate
    case = generate(customers=customers, seed=SEED)
    tickets = case.tables["tickets"]
    texts = tickets["text"].astype(str).tolist()
    index = {tid: i for i, tid in enumerate(tickets["ticket_id"])}
    gold = [set() for _ in texts]
    for tid, start, end, kind in case.ticket_spans[["ticket_id", "start", "end", "kind"]].itertuples(index=False):
        gold[index[tid]].add((int(start), int(end), str(kind)))
    return texts, gold


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000, help="customers for inventory")
    parser.add_argument("--repeat", type=int, default=2, help="inventory calls, best one counts")
    parser.add_argument("--ticket-customers", type=int, default=50_000)
    parser.add_argument("--min-mb", type=float, default=5.0, help="scan_text at least this much text")
    parser.add_argument("--presidio-tickets", type=int, default=0,
                        help="time Presidio on the first N tickets only (0: one full copy)")
    parser.add_argument("--presidio-only", action="store_true",
                        help="skip kitlib.classify: Presidio speed and F1 alone")
    parser.add_argument("--inventory-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inventory_child:
        return inventory_child(args.customers, args.repeat)
    _need_presidio()
    scan_text, scan_many = (None, None) if args.presidio_only else _need_classify()[1:]

    inv = None if args.presidio_only else run_inventory(args.customers, args.repeat)
    texts, gold = load_tickets(args.ticket_customers)
    sizes = [len(t.encode("utf-8")) for t in texts]
    copy_mb = sum(sizes) / 1e6
    copies = max(1, -int(-args.min_mb // copy_mb))  # ceil
    engine, recognizer_names = presidio_engine()
    p_n = min(args.presidio_tickets or len(texts), len(texts))

    # Warm up both (lazy regex compilation, Presidio's first-call set-up); not timed.
    for text in texts[:50]:
        engine.analyze(text, language="en")
        if scan_text:
            scan_text(text)

    # Alternate rounds: one full copy through scan_text, then 1/copies of Presidio's share.
    scan_s, many_s, p_s = 0.0, 0.0, 0.0
    scan_pred: list[list] = []
    many_pred: list[list] = []
    p_pred: list[list] = []
    bounds = [p_n * r // copies for r in range(copies + 1)]
    for r in range(copies):
        if scan_text:
            start = time.perf_counter()
            found = [scan_text(t) for t in texts]
            scan_s += time.perf_counter() - start
            if r == 0:
                scan_pred = [[(f.start, f.end, (f.kind,)) for f in fs] for fs in found]
            del found
        if scan_many:
            start = time.perf_counter()
            found = scan_many(texts)
            many_s += time.perf_counter() - start
            if r == 0:
                many_pred = [[(f.start, f.end, (f.kind,)) for f in fs] for fs in found]
            del found
        chunk = texts[bounds[r]:bounds[r + 1]]
        start = time.perf_counter()
        results = [engine.analyze(t, language="en") for t in chunk]
        p_s += time.perf_counter() - start
        p_pred.extend(presidio_spans(rs) for rs in results)
    p_mb = sum(sizes[:p_n]) / 1e6
    p_score = score(gold[:p_n], p_pred)
    p_rate = p_mb / p_s

    subset = "" if p_n == len(texts) else f" (first {p_n:,} of {len(texts):,} tickets)"
    out = {}
    print(f"tickets: generate(customers={args.ticket_customers:,}, seed={SEED}): {len(texts):,} tickets, "
          f"{copy_mb:.2f} MB UTF-8, {sum(len(g) for g in gold):,} ground-truth spans")
    print(f"Presidio {_version('presidio-analyzer')}, spaCy {_version('spacy')} blank('en'); recognizers: "
          f"{', '.join(recognizer_names)}; phone regions {','.join(PHONE_REGIONS)}")
    if scan_text:
        s_score = score(gold, scan_pred)
        scan_mb = copy_mb * copies
        scan_rate = scan_mb / scan_s
        best = min(inv["seconds"])
        print(f"inventory: {inv['rows']:,} x {inv['columns']} customers table in "
              f"{best:.2f} s (best of {', '.join(f'{s:.2f}' for s in inv['seconds'])}; target <= 10 s: "
              f"{'met' if best <= 10 else 'NOT met'}); kinds agree with the catalogue on "
              f"{inv['kinds_agree']}/{inv['kinds_total']} columns; child peak RSS {inv['peak_rss_mb']:,.0f} MB")
        print(f"scan_text: {scan_mb:.2f} MB ({copies} copies) in {scan_s:.2f} s = {scan_rate:.2f} MB/s "
              f"(target >= 5: {'met' if scan_rate >= 5 else 'NOT met'})")
    if scan_many:
        m_score = score(gold, many_pred)
        many_rate = scan_mb / many_s
        print(f"scan_many: the same {scan_mb:.2f} MB as one list per copy in {many_s:.2f} s = "
              f"{many_rate:.2f} MB/s, F1 {m_score['f1']:.3f} (extra: the batch path, not the target)")
    print(f"Presidio:  {p_mb:.2f} MB{subset} in {p_s:.2f} s = {p_rate:.3f} MB/s"
          + (f"; scan_text is {scan_rate / p_rate:.1f}x faster" if scan_text else ""))
    print()
    kinds = sorted(set(k for g in gold for _, _, k in g), key=lambda k: -sum(k == kk for g in gold for *_, kk in g))
    print(f"{'':<22}{'':>8}{'recall':^21}{'false positives':^21}")
    print(f"{'kind':<22}{'spans':>8}{'scan_text':>11}{'Presidio':>10}{'scan_text':>11}{'Presidio':>10}")
    s_false = s_score["false_by_kind"] if scan_text else {}
    extra = sorted((set(s_false) | set(p_score["false_by_kind"])) - set(kinds))
    for kind in kinds + extra:
        n = sum(k == kind for g in gold for *_, k in g)
        s_r = f"{s_score['recall_by_kind'].get(kind, 0):.3f}" if scan_text and n else "-"
        p_r = f"{p_score['recall_by_kind'].get(kind, 0):.3f}" if n else "-"
        s_f = s_false.get(kind, 0) if scan_text else "-"
        print(f"{kind:<22}{n:>8}{s_r:>11}{p_r:>10}{s_f:>11}{p_score['false_by_kind'].get(kind, 0):>10}")
    for label, key in (("precision", "precision"), ("recall", "recall"), ("F1 (exact)", "f1"),
                       ("F1 (overlap)", "f1_overlap")):
        s_v = f"{s_score[key]:.3f}" if scan_text else "-"
        print(f"{label:<22}{'':>8}{s_v:>11}{p_score[key]:>10.3f}")
    print(f"{'predicted spans':<22}{'':>8}{s_score['predicted'] if scan_text else '-':>11}{p_score['predicted']:>10}")
    if scan_text:
        out.update({"inventory_s": round(best, 2), "scan_mb_per_s": round(scan_rate, 2),
                    "f1": round(s_score["f1"], 4)})
    out.update({"presidio_mb_per_s": round(p_rate, 3), "presidio_f1": round(p_score["f1"], 4)})
    if scan_text:
        out.update({"speedup": round(scan_rate / p_rate, 1), "precision": round(s_score["precision"], 4),
                    "recall": round(s_score["recall"], 4), "f1_overlap": round(s_score["f1_overlap"], 4)})
    if scan_many:
        out.update({"scan_many_mb_per_s": round(many_rate, 2), "scan_many_f1": round(m_score["f1"], 4)})
    out.update({"presidio_precision": round(p_score["precision"], 4), "presidio_recall": round(p_score["recall"], 4),
                "presidio_f1_overlap": round(p_score["f1_overlap"], 4), "presidio_tickets": p_n,
                "tickets": len(texts)})
    print(json.dumps(out))


def _version(dist: str) -> str:
    from importlib.metadata import version
    return version(dist)


if __name__ == "__main__":
    main()
