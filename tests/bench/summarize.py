#!/usr/bin/env python3
"""summarize.py RAW.tsv RESULTS.json [NOTE] - the benchmark table.

RAW has one measurement per line: bench, case, impl, metric, value, unit.
For each (bench, case, metric): median, min, max and run count of ours and
of the anchor (testpmd), and the ratio of the medians ours/anchor.  Rows
whose impl is "bound" measure what the machine itself allows, with no memif
at all; the rows of ours they bound also get ours/bound:

  memcpy "64 B"         bounds lib "s2m 64 B", "m2s 64 B" (pps)
  tapw "64 B write"     bounds bridge "m2t 64 B" (pps)
  wake "2 CPUs"         bounds lat "interrupt 2 CPUs" (p50, p99, p999)

Prints a text table and writes the same rows as JSON.
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


BOUND_NOTES = {
    "memcpy": "one core copying (the bound)",
    "tapw": "bare TAP writes, one core (the bound)",
    "vethw": "packet socket into a veth, one core",
    "wake": "eventfd round trip, no memif (the floor)",
}
OF_BOUND = {"lib": "memcpy bound", "bridge": "TAP write bound",
            "lat": "wake-up floor", "veth": "sendmmsg bound"}


def bound_of(bench, case, metric):
    """The (bench, case, metric) of the bound row for a row of ours."""
    if bench == "lib":
        return ("memcpy", case.split(" ", 1)[-1], metric)
    if bench == "bridge" and case.startswith("m2t "):
        return ("tapw", case.split(" ", 1)[-1] + " write", metric)
    if bench == "veth":
        return ("vethw", case.split(" ", 1)[-1] + " mmsg", metric)
    if bench == "lat" and case.startswith("interrupt "):
        return ("wake", case.split(" ", 1)[-1], metric)
    return None


def main():
    raw, out = sys.argv[1], sys.argv[2]
    note = sys.argv[3] if len(sys.argv) > 3 else ""
    order, groups = load(raw)
    bounds = {}
    for key in order:
        s = stats(groups[key]["impl"].get("bound", []))
        if s:
            bounds[key] = s["median"]
    rows = []
    for key in order:
        bench, case, metric = key
        g = groups[key]
        ours = stats(g["impl"].get("ours", []))
        anchor = stats(g["impl"].get("testpmd", []))
        row = {"bench": bench, "case": case, "metric": metric,
               "unit": g["unit"], "ours": ours, "testpmd": anchor}
        if "bound" in g["impl"]:
            row["bound"] = stats(g["impl"]["bound"])
        if ours and anchor and anchor["median"]:
            row["ratio"] = ours["median"] / anchor["median"]
        b = bounds.get(bound_of(bench, case, metric))
        if ours and b:
            row["of_bound"] = ours["median"] / b
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
        extra = BOUND_NOTES.get(r["bench"], "") if r.get("bound") else ""
        if r["bench"] == "tapw" and not r["case"].endswith(" write"):
            extra = "another way to write a TAP, no memif (an option)"
        tap = bounds.get(("tapw", r["case"].split(" B ")[0] + " B write", r["metric"]))
        if r["bench"] == "vethw" and r.get("bound") and tap:
            r["of_tap_write"] = r["bound"]["median"] / tap
            extra = "%.2f of TAP writes (a veth host, no memif)" % r["of_tap_write"]
        if "of_bound" in r:
            extra = "%.2f of %s" % (r["of_bound"], OF_BOUND[r["bench"]])
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
