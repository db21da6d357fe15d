"""generate(customers=N) against a naive per-record Faker('zh_CN') loop producing the same
customer columns, measured in one run.  Last line: JSON with both rates, the speedup and peak RSS.

Usage: python benchmarks/bench_synth.py [--customers 1000000] [--naive 20000]
The naive loop is timed on --naive records and reported as a rate (records per second).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import time


def naive_rate(n: int) -> float:
    from faker import Faker
    fake = Faker("zh_CN")
    fake.seed_instance(0)
    cutoff = dt.date(2026, 5, 1)
    start = time.perf_counter()
    rows = []
    for i in range(n):
        male = fake.boolean()
        birth = fake.date_of_birth(minimum_age=4, maximum_age=85)
        since = fake.date_between(dt.date(2010, 1, 1), cutoff)
        rows.append({
            "customer_id": f"CM{i:08d}", "name": fake.name_male() if male else fake.name_female(),
            "gender": "男" if male else "女", "birth_date": birth, "resident_id": fake.ssn(),
            "mobile": fake.phone_number(), "email": fake.email(safe=True), "province": fake.province(),
            "city": fake.city_name(), "district": fake.district(), "address": fake.address(),
            "bank_card": fake.credit_card_number(), "customer_since": since,
            "last_activity": fake.date_between(since, cutoff), "marketing_consent": fake.boolean(),
            "is_minor": (cutoff - birth).days < 14 * 365,
        })
    return n / (time.perf_counter() - start)


def synth_child(n: int) -> None:
    """Run in a fresh process so that peak RSS is generate()'s own."""
    from kitlib.synth import generate
    start = time.perf_counter()
    case = generate(customers=n, seed=1)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_mb, "rows": int(case.summary()["rows"].sum())}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--naive", type=int, default=20_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return synth_child(args.customers)
    out = subprocess.run([sys.executable, __file__, "--child", "--customers", str(args.customers)],
                         check=True, capture_output=True, text=True).stdout
    synth = json.loads(out.strip().splitlines()[-1])
    faker = naive_rate(args.naive)
    rate = args.customers / synth["seconds"]
    print(f"generate({args.customers:,}): {synth['seconds']:.2f} s, {rate:,.0f} customers/s "
          f"({synth['rows']:,} rows in all tables), peak RSS {synth['peak_rss_mb']:,.0f} MB")
    print(f"naive Faker loop ({args.naive:,} records): {faker:,.0f} records/s")
    print(f"speedup: {rate / faker:.1f}x")
    print(json.dumps({"synth_records_per_s": round(rate), "faker_records_per_s": round(faker),
                      "speedup": round(rate / faker, 1), "peak_rss_mb": round(synth["peak_rss_mb"]),
                      "synth_seconds": round(synth["seconds"], 2)}))


if __name__ == "__main__":
    main()
