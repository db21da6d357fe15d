"""``kit capstone``: write a starter or the reference plan, and check (and print) a team's plan.

    kit capstone starter plan.csv [--filled 3]        a plan to fill in, one row per system and table
    kit capstone reference ref.csv                    the kit's own plan
    kit capstone check plan.csv [--html plan.html] [--lang en]
                                                      every finding; exit 0 accepted, 1 rejected, 2 error

The case company is generated from --customers, --seed and --scenario (defaults: the default
dataset's seed 20261129, 2000 customers, dissolution), so a plan is checked against the same case
it was written for.  Wired into ``kit`` by ``kitlib.cli`` with ``add_parser(sub)`` and ``run(args)``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    cap = subparsers.add_parser("capstone", help="module 12: write a starter plan, check and print a disposition plan")
    cap_sub = cap.add_subparsers(dest="action", required=True, parser_class=type(cap))

    def case_options(p):
        p.add_argument("--seed", type=int, default=20261129, help="the case's seed (default 20261129)")
        p.add_argument("--customers", type=int, default=2000, help="customers in the case (default 2000)")
        p.add_argument("--scenario", choices=("dissolution", "relocation"), default="dissolution")

    st = cap_sub.add_parser("starter", help="write a plan to fill in (CSV, UTF-8 for Excel)")
    st.add_argument("out", type=Path)
    st.add_argument("--filled", type=int, default=0, help="rows filled in from the kit's plan as examples")
    case_options(st)
    rf = cap_sub.add_parser("reference", help="write the kit's own plan (CSV)")
    rf.add_argument("out", type=Path)
    case_options(rf)
    ch = cap_sub.add_parser("check", help="check a plan; one line per finding (exit 0 accepted, 1 rejected, 2 error)")
    ch.add_argument("plan", type=Path)
    ch.add_argument("--html", type=Path, help="also write the print-ready page here")
    ch.add_argument("--lang", choices=("zh-CN", "en", "both"), default="en", help="language of the findings")
    case_options(ch)
    return cap


def run(args, out=None) -> int:
    from ..synth import generate
    from . import PlanFormatError, check_plan, load_plan, reference_plan, save_plan, starter_plan, write_plan_html

    out = out or sys.stdout
    try:
        if args.action == "check":
            load_plan(args.plan)                 # a broken file fails before the case is generated
        case = generate(customers=args.customers, seed=args.seed, scenario=args.scenario)
        if args.action == "starter":
            print(save_plan(starter_plan(case, filled=args.filled), args.out), file=out)
            return 0
        if args.action == "reference":
            print(save_plan(reference_plan(case), args.out), file=out)
            return 0
        plan = load_plan(args.plan, case)
        verdict = check_plan(plan, case)
        for f in verdict.findings:
            text = f.explanation_zh if args.lang == "zh-CN" else f.explanation_en if args.lang == "en" else \
                f"{f.explanation_zh} / {f.explanation_en}"
            print(f"{args.plan}: {f.severity}: {f.system_id}/{f.table}.{f.field}: [{f.code}; {f.article}] {text}", file=out)
        print(verdict.summary("zh-CN" if args.lang == "zh-CN" else "en"), file=out)
        if args.html:
            print(write_plan_html(args.html, plan, verdict, case, args.lang), file=out)
        return 0 if verdict.accepted else 1
    except (PlanFormatError, OSError, ValueError) as exc:
        print(f"kit capstone: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
