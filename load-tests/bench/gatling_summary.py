#!/usr/bin/env python3
"""Summarises one Gatling run for load-tests/results and regenerates results/gatling.md.

Reads the report's js/stats.js (per-request counts and percentiles; Gatling's percentiles 1-4
are p50, p75, p95, p99 by default), the assertion lines Gatling prints at the end of its
console output, and the server's /metrics taken just before the node stopped (its own SLA
counters, to set beside what the clients saw). Called by gatling.sh.
"""
import argparse
import datetime
import glob
import json
import os
import re


def load_stats(report_dir):
    text = open(os.path.join(report_dir, "js", "stats.js"), encoding="utf-8").read()
    body = text[text.index("{"):]
    # stats.js is `var stats = {...}` (a JavaScript literal) and functions after it: quote the
    # literal's bare keys and read the first object.
    body = re.sub(r'^(\s*)([A-Za-z_][A-Za-z0-9_]*):', r'\1"\2":', body, flags=re.M)
    return json.JSONDecoder().raw_decode(body)[0]


def number(v):
    try:
        return float(v) if "." in str(v) else int(v)
    except (TypeError, ValueError):
        return None


def requests(node, out):
    for child in node.get("contents", {}).values():
        if child.get("type") == "REQUEST":
            s = child["stats"]
            total, ko = number(s["numberOfRequests"]["total"]), number(s["numberOfRequests"]["ko"])
            out.append({
                "name": child["name"],
                "count": total,
                "ok": number(s["numberOfRequests"]["ok"]),
                "ko": ko,
                "okPercent": round(100.0 * (total - ko) / total, 2) if total else None,
                "p50Ms": number(s["percentiles1"]["ok"]),
                "p95Ms": number(s["percentiles3"]["ok"]),
                "p99Ms": number(s["percentiles4"]["ok"]),
                "maxMs": number(s["maxResponseTime"]["ok"]),
            })
        else:
            requests(child, out)
    return out


ASSERTION = re.compile(r"^(?P<what>.+?) : (?P<ok>true|false) \(actual : (?P<actual>.*)\)\s*$")


def assertions(log_path):
    found = []
    for line in open(log_path, encoding="utf-8", errors="replace"):
        m = ASSERTION.match(line.strip())
        if m:
            found.append({"assertion": m["what"], "passed": m["ok"] == "true", "actual": m["actual"]})
    return found


SERVER_METRICS = re.compile(
    r"^(livedesk_sla_total|livedesk_sla_attainment|livedesk_conversations_opened_total|livedesk_bot_handoffs_total"
    r"|livedesk_bot_resolved_total|livedesk_abandoned_total|livedesk_room_[a-z_]*dropped[a-z_]*|livedesk_event_loop_lag_ms)"
    r"(\{[^}]*\})? (\S+)$")


def server_metrics(path):
    out = {}
    if path and os.path.exists(path):
        for line in open(path, encoding="utf-8", errors="replace"):
            m = SERVER_METRICS.match(line.strip())
            if m:
                out[m[1] + (m[2] or "")] = number(m[3]) if number(m[3]) is not None else m[3]
    return out


def markdown(results_dir):
    lines = ["# Gatling simulations: last results", "",
             "Written by `load-tests/bench/gatling.sh` from `results/gatling-*.json`; do not edit by hand. "
             "The HTML reports stay under `load-tests/target/gatling/` (not committed). "
             "Timings are Gatling's, in ms, over OK requests; a check's timing runs from its send "
             "(for `welcome`, from the connect) to the frame it waited for.", ""]
    for path in sorted(glob.glob(os.path.join(results_dir, "gatling-*.json"))):
        r = json.load(open(path, encoding="utf-8"))
        verdict = "PASSED" if r["passed"] else "FAILED"
        lines += [f"## {r['simulation']}: {verdict}", "",
                  f"- Command: `{r['command']}`",
                  f"- When: {r['finishedAt']}; machine: {r['machine']}",
                  f"- Gatling exit code {r['gatlingExitCode']}; report `{r['report']}`", "",
                  "| request / check | count | KO | OK % | p50 | p95 | p99 | max |", "|---|---|---|---|---|---|---|---|"]
        for q in r["requests"]:
            lines.append(f"| {q['name']} | {q['count']} | {q['ko']} | {q['okPercent']} | {q['p50Ms']} | {q['p95Ms']} | {q['p99Ms']} | {q['maxMs']} |")
        lines += ["", "| assertion | actual | result |", "|---|---|---|"]
        for a in r["assertions"]:
            lines.append(f"| {a['assertion']} | {a['actual']} | {'pass' if a['passed'] else '**FAIL**'} |")
        if r["server"]:
            lines += ["", "Server's own counters at the end (`/metrics`):", "", "```"]
            lines += [f"{k} {v}" for k, v in r["server"].items()]
            lines += ["```"]
        lines.append("")
    with open(os.path.join(results_dir, "gatling.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def main():
    p = argparse.ArgumentParser()
    for a in ("sim", "report", "log", "metrics", "machine", "args", "command", "out", "rc"):
        p.add_argument("--" + a, default="")
    a = p.parse_args()
    stats = load_stats(a.report)
    found = assertions(a.log)
    result = {
        "simulation": a.sim,
        "command": (a.command or "load-tests/bench/gatling.sh " + a.sim + " " + a.args).strip(),
        "finishedAt": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": a.machine,
        "gatlingExitCode": int(a.rc or 0),
        "passed": int(a.rc or 0) == 0 and bool(found) and all(x["passed"] for x in found),
        "report": os.path.relpath(a.report, os.path.join(os.path.dirname(__file__), "..", "..")),
        "requests": requests(stats, []),
        "assertions": found,
        "server": server_metrics(a.metrics),
    }
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2, ensure_ascii=False)
        f.write("\n")
    markdown(os.path.dirname(a.out))


if __name__ == "__main__":
    main()
