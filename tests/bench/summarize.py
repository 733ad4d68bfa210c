#!/usr/bin/env python3
"""summarize.py RAW.tsv RESULTS.json [NOTE] - the benchmark table.

RAW has one measurement per line: bench, case, impl, metric, value, unit.
For each (bench, case, metric): median, min, max and run count of ours and
of the anchor (testpmd), and the ratio of the medians ours/anchor.  The
memcpy rows are the bound; library rows at the same size also get
ours/bound.  Prints a text table and writes the same rows as JSON.
"""
import json
import statistics
import sys
import time


def load(path):
    groups = {}
    order = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 6:
                continue
            bench, case, impl, metric, value, unit = parts
            key = (bench, case, metric)
            if key not in groups:
                groups[key] = {"unit": unit, "impl": {}}
                order.append(key)
            try:
                v = float(value)
            except ValueError:
                continue
            groups[key]["impl"].setdefault(impl, []).append(v)
    return order, groups


def stats(values):
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values),
            "max": max(values), "runs": len(values)}


def fmt(v, unit):
    if v is None:
        return "-"
    if unit in ("pps", "B/s"):
        for div, suf in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
            if abs(v) >= div:
                return "%.2f%s" % (v / div, suf)
        return "%.0f" % v
    if unit == "us":
        return "%.2f" % v
    if unit.startswith("%"):
        return "%.3f%%" % v
    return "%g" % v


def cell(s, unit):
    if not s:
        return "-"
    return "%s [%s-%s]" % (fmt(s["median"], unit), fmt(s["min"], unit),
                           fmt(s["max"], unit))


def main():
    raw, out = sys.argv[1], sys.argv[2]
    note = sys.argv[3] if len(sys.argv) > 3 else ""
    order, groups = load(raw)
    bound = {}
    for (bench, case, metric) in order:
        if bench == "memcpy" and metric == "pps":
            s = stats(groups[(bench, case, metric)]["impl"].get("bound", []))
            if s:
                bound[case] = s["median"]
    rows = []
    for key in order:
        bench, case, metric = key
        g = groups[key]
        ours = stats(g["impl"].get("ours", []))
        anchor = stats(g["impl"].get("testpmd", []))
        row = {"bench": bench, "case": case, "metric": metric,
               "unit": g["unit"], "ours": ours, "testpmd": anchor}
        if bench == "memcpy":
            row["bound"] = stats(g["impl"].get("bound", []))
        if ours and anchor and anchor["median"]:
            row["ratio"] = ours["median"] / anchor["median"]
        size = case.split(" ", 1)[-1]
        if bench == "lib" and ours and size in bound:
            row["of_memcpy_bound"] = ours["median"] / bound[size]
        if "skipped" in g["impl"] or not g["impl"]:
            row["skipped"] = g["unit"]
        rows.append(row)

    print("%-7s %-20s %-6s %-28s %-28s %7s %s" % (
        "bench", "case", "metric", "ours median [min-max]",
        "testpmd median [min-max]", "ratio", "note"))
    for r in rows:
        if r.get("skipped"):
            print("%-7s %-20s %-6s skipped: %s" % (
                r["bench"], r["case"], r["metric"], r["skipped"]))
            continue
        u = r["unit"]
        ours = cell(r["ours"] or r.get("bound"), u)
        ratio = "%.2f" % r["ratio"] if "ratio" in r else "-"
        extra = ""
        if "of_memcpy_bound" in r:
            extra = "%.2f of memcpy bound" % r["of_memcpy_bound"]
        if r["bench"] == "memcpy":
            extra = "one core copying (the bound)"
        print("%-7s %-20s %-6s %-28s %-28s %7s %s" % (
            r["bench"], r["case"], r["metric"], ours,
            cell(r["testpmd"], u), ratio, extra))
    with open(out, "w") as f:
        json.dump({"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                   "note": note, "rows": rows}, f, indent=1)
        f.write("\n")
    print("(%s; written to %s)" % (note, out))


if __name__ == "__main__":
    main()
