#!/usr/bin/env python3
"""Helper for bench/run.sh: template rendering, per-measurement parsing,
result assembly and reporting. Standard library only.

  bench.py render TEMPLATE OUT KEY=VALUE...     replace @KEY@ placeholders
  bench.py body N                                print a JSON document of exactly N bytes
  bench.py measure DIR                           one measurement dir -> one JSON line
  bench.py assemble META.json MEAS.jsonl OUT     write the final results JSON
  bench.py report RESULTS.json [RESULTS.json...] table + medians/spread + ratios
  bench.py kv2json KEY=VALUE...                  print a flat JSON object
  bench.py procsnap OUT                          per-process CPU snapshot (noise check)
  bench.py resummarize RESULTS.json...           recompute derived fields + summary in place
  bench.py psspeak PID OUT                       sample the PSS of PID's tree, keep the peak in OUT
  bench.py auditcount FILE                       count an ldgate audit trail's records (key=value)
  bench.py disturbed PIN PCPUS DCPUS NPROC       exit 0 if the measurement on stdin is disturbed
"""
import json
import os
import re
import statistics
import sys
import time


def render(tmpl, out, pairs):
    text = open(tmpl).read()
    for p in pairs:
        k, v = p.split("=", 1)
        text = text.replace("@%s@" % k, v)
    left = re.findall(r"@[A-Z_]+@", text)
    if left:
        sys.exit("render %s: unreplaced placeholders %s" % (tmpl, sorted(set(left))))
    with open(out, "w") as f:
        f.write(text)


def body(n):
    doc = {
        "_id": "cfg-0001",
        "_integrationKey": "datadog",
        "kind": "integration-configuration",
        "name": "bench integration",
        "enabled": True,
        "version": 7,
        "settings": {"timeoutMs": 2500, "retries": 3, "region": "eu-west-1"},
        "labels": ["bench", "baseline", "loopback"],
        "capabilities": [{"featureStore": {"project": "proj-a", "environment": "prod"}}],
        "padding": "",
    }
    s = json.dumps(doc, separators=(",", ":"))
    pad = n - len(s)
    if pad < 0:
        sys.exit("body too small")
    doc["padding"] = "x" * pad
    s = json.dumps(doc, separators=(",", ":"))
    assert len(s) == n
    sys.stdout.write(s)


# ---------------------------------------------------------------- measure
def _kv(path):
    d = {}
    if not os.path.exists(path):
        return d
    for line in open(path):
        line = line.rstrip("\n")
        if "=" in line:
            k, v = line.split("=", 1)
            d[k] = v
    return d


def _cpu_lines(snap):
    out = {}
    for k, v in snap.items():
        if k.startswith("stat_cpu"):
            out[k[5:]] = [int(x) for x in v.split()]
    return out


def _num(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        try:
            return float(v)
        except (TypeError, ValueError):
            return None


def measure(d):
    meta = _kv(os.path.join(d, "meta"))
    before = _kv(os.path.join(d, "before"))
    after = _kv(os.path.join(d, "after"))
    wrk_txt = open(os.path.join(d, "wrk.out")).read() if os.path.exists(os.path.join(d, "wrk.out")) else ""
    m = re.search(r"^WRKJSON (\{.*\})$", wrk_txt, re.M)
    r = {
        "candidate": meta.get("candidate"),
        "workload": meta.get("workload", "patch"),
        "method": meta.get("method"),
        "try": int(meta.get("try", 0) or 0),
        "conns": int(meta.get("conns", 0)),
        "threads": int(meta.get("threads", 0)),
        "round": int(meta.get("round", 0)),
        "seq": int(meta.get("seq", 0)),
        "started_at": meta.get("started_at"),
        "loadavg_before": meta.get("loadavg"),
        "wrk_rc": _num(meta.get("wrk_rc")),
        "ok": False,
    }
    if not m:
        r["error"] = "no WRKJSON line from wrk (rc=%s)" % meta.get("wrk_rc")
        r["wrk_tail"] = wrk_txt[-800:]
        return r
    w = json.loads(m.group(1))
    secs = w["duration_us"] / 1e6
    r.update({
        "duration_s": round(secs, 3),
        "requests": w["requests"],
        "rps": round(w["requests"] / secs, 1) if secs > 0 else None,
        "mb_per_s": round(w["bytes"] / secs / 1e6, 2) if secs > 0 else None,
        "lat_mean_ms": round(w["lat_mean_us"] / 1000, 3),
        "lat_stdev_ms": round(w["lat_stdev_us"] / 1000, 3),
        "p50_ms": round(w["p50_us"] / 1000, 3),
        "p75_ms": round(w["p75_us"] / 1000, 3),
        "p90_ms": round(w["p90_us"] / 1000, 3),
        "p99_ms": round(w["p99_us"] / 1000, 3),
        "p999_ms": round(w["p999_us"] / 1000, 3),
        "max_ms": round(w["lat_max_us"] / 1000, 3),
        "errors": {k[4:]: w[k] for k in w if k.startswith("err_")},
        "request_body_bytes": w["body_bytes"],
    })
    r["ok"] = (w["requests"] > 0 and sum(r["errors"].values()) == 0)
    clk = os.sysconf("SC_CLK_TCK")
    req = max(w["requests"], 1)

    def tick_delta(key):
        a, b = _num(after.get(key)), _num(before.get(key))
        if a is None or b is None:
            return None
        return (a - b) / clk

    for who in ("proxy", "upstream"):
        cs = tick_delta(who + "_ticks")
        r[who + "_cpu_s"] = None if cs is None else round(cs, 2)
        r[who + "_cpu_us_per_req"] = None if cs is None else round(cs * 1e6 / req, 1)
    hwm = _num(after.get("proxy_hwm_kb"))
    r["proxy_peak_rss_kb"] = hwm
    r["proxy_rss_kb_end"] = _num(after.get("proxy_rss_kb"))
    r["proxy_pss_peak_kb"] = _num(meta.get("proxy_pss_peak_kb"))
    r["proxy_pss_kb_end"] = _num(after.get("proxy_pss_kb"))
    r["proxy_procs"] = _num(after.get("proxy_procs"))
    a, b = _num(after.get("up_accepts")), _num(before.get("up_accepts"))
    r["upstream_new_conns"] = None if a is None or b is None else a - b - 1  # -1: the status probe
    a, b = _num(after.get("up_requests")), _num(before.get("up_requests"))
    r["upstream_requests"] = None if a is None or b is None else a - b - 1
    a, b = _num(after.get("audit_lines")), _num(before.get("audit_lines"))
    r["audit_lines"] = None if a is None or b is None else a - b
    # per-CPU utilisation over the measured window (and steal: shared-host noise)
    cb, ca = _cpu_lines(before), _cpu_lines(after)
    cpus = {}
    for name in sorted(ca):
        if name not in cb:
            continue
        dlt = [x - y for x, y in zip(ca[name], cb[name])]
        # user nice system idle iowait irq softirq steal guest guest_nice
        total = sum(dlt[:8]) or 1
        busy = dlt[0] + dlt[1] + dlt[2] + dlt[5] + dlt[6]
        cpus[name] = {"busy_pct": round(100.0 * busy / total, 1),
                      "steal_pct": round(100.0 * dlt[7] / total, 1)}
    r["cpu"] = cpus
    wt = _num(meta.get("wrk_ticks"))
    r["wrk_cpu_s"] = None if wt is None else round(wt / clk, 2)
    fs, top = _foreign(d, [meta.get("bench_pid"), meta.get("proxy_pid"), meta.get("upstream_pid"),
                           meta.get("upstream_x_pid")])
    r["foreign_cpu_s"] = fs
    r["foreign_top"] = top
    # which side ran out of CPU? (pinned layout only)
    pc, dc = meta.get("proxy_cpus_list", ""), meta.get("driver_cpus_list", "")
    def busiest(lst):
        vals = [cpus.get("cpu" + c, {}).get("busy_pct") for c in lst.split(",") if c]
        vals = [v for v in vals if v is not None]
        return sum(vals) / len(vals) if vals else None
    pb, db = busiest(pc), busiest(dc)
    r["proxy_side_busy_pct"] = None if pb is None or r["candidate"] == "direct" else round(pb, 1)
    if r["candidate"] == "direct-x":  # the upstream sits on the proxy CPUs
        r["proxy_side_busy_pct"] = None
    r["driver_side_busy_pct"] = None if db is None else round(db, 1)
    bound = []
    if r["proxy_side_busy_pct"] is not None and r["proxy_side_busy_pct"] >= 90:
        bound.append("proxy")
    if r["candidate"] == "direct-x" and pb is not None and pb >= 90:
        bound.append("upstream-x")
    if db is not None and db >= 90:
        bound.append("driver" if r["candidate"] != "direct-x" else "wrk")
    if not pc and not dc and cpus.get("cpu", {}).get("busy_pct", 0) >= 90:
        bound.append("machine")
    r["saturated"] = "+".join(bound) or "none"
    if r.get("proxy_cpu_us_per_req"):
        # requests/s one fully available proxy core would sustain at this cost
        r["proxy_rps_per_core_est"] = round(1e6 / r["proxy_cpu_us_per_req"])
    wu = os.path.join(d, "warmup.out")
    mw = re.search(r"^WRKJSON (\{.*\})$", open(wu).read(), re.M) if os.path.exists(wu) else None
    r["warmup_requests"] = json.loads(mw.group(1))["requests"] if mw else None
    r["probe"] = meta.get("probe")
    r["gw_workers"] = _num(meta.get("gw_workers"))
    r["upstream_requests_life"] = _num(meta.get("upstream_requests_life"))
    r["audit_trail"] = _kv(os.path.join(d, "audit.kv")) or None
    if r["audit_trail"]:
        r["audit_trail"] = {k: (_num(v) if _num(v) is not None else v) for k, v in r["audit_trail"].items()}
    r["audit_check"] = audit_check(r)
    return r


def audit_check(r):
    """Is every request accounted for in the audit trail?

    nginx / HAProxy: one log line per request in the window.
    ldgate, intercepted PATCH: a decision and an outcome record per request
    in the window; and over the gateway's whole life (probe, warm-up, window,
    graceful stop): every decision allows, every allowed request has exactly
    one outcome record (status 200), every response wrk got was decided, the
    requests the upstream received are the allowed ones plus the integration
    key look-ups (GETs, one per id and worker), and `ldgate audit verify`
    accepts the chain.  ldgate, passthrough: no decision records at all."""
    cand, c, req = r["candidate"], r["conns"], r.get("requests") or 0
    if cand.startswith("direct"):
        return None
    bad = []
    lines = r.get("audit_lines")
    slack = 2 * c + 50  # requests in flight at either edge of the window
    if cand in ("nginx", "haproxy"):
        if lines is None or abs(lines - req) > slack:
            bad.append("window: %s log lines for %d requests" % (lines, req))
        return {"verdict": "ok" if not bad else "BAD", "problems": bad, "lines_per_request":
                round(lines / req, 3) if lines is not None and req else None}
    per = 2 if r["workload"] == "patch" else 0
    if lines is None or abs(lines - per * req) > per * slack:
        bad.append("window: %s records for %d requests (want %d per request)" % (lines, req, per))
    t = r.get("audit_trail")
    life = {}
    if t:
        resp = (r.get("warmup_requests") or 0) + req + (1 if str(r.get("probe", "")).startswith("200") else 0)
        up = r.get("upstream_requests_life")
        life = {"responses": resp, "upstream_requests": up}
        dec, allow, out, ok200 = t.get("decision", 0), t.get("allow", 0), t.get("outcome", 0), t.get("outcome_200", 0)
        if t.get("malformed"):
            bad.append("%s lines are not records" % t["malformed"])
        if t.get("verify_rc") not in (None, 0):
            bad.append("ldgate audit verify failed: %s" % t.get("verify_out"))
        if not t.get("start") or not t.get("stop"):
            bad.append("start/stop record missing")
        if r["workload"] == "patch":
            if dec != allow:
                bad.append("%d decisions are not allow" % (dec - allow))
            if out != allow:
                bad.append("%d allowed requests but %d outcome records" % (allow, out))
            if ok200 != out:
                bad.append("%d outcome records are not status 200" % (out - ok200))
            if allow < resp:
                bad.append("%d responses but only %d decisions" % (resp, allow))
            if allow > resp + 2 * c + 2:
                bad.append("%d decisions for %d responses" % (allow, resp))
            w = r.get("gw_workers") or 2
            if up is not None and not (0 <= up - allow <= 5 * w + c):
                bad.append("upstream got %d requests for %d allowed (look-ups: %d)" % (up, allow, up - allow))
        else:
            if dec or out:
                bad.append("%d decision / %d outcome records on passthrough" % (dec, out))
            if up is not None and up < resp:
                bad.append("upstream got %d requests for %d responses" % (up, resp))
    elif per:
        bad.append("no trail counted")
    return {"verdict": "ok" if not bad else "BAD", "problems": bad,
            "lines_per_request": round(lines / req, 3) if lines is not None and req else None, **life}


def auditcount(path):
    n = {"lines": 0, "decision": 0, "allow": 0, "outcome": 0, "outcome_200": 0,
         "start": 0, "stop": 0, "config": 0, "recovery": 0, "malformed": 0}
    with open(path, "rb") as f:
        for line in f:
            n["lines"] += 1
            if not (line.startswith(b"{") and line.endswith(b"}\n")):
                n["malformed"] += 1
            elif b'"event":"decision"' in line:
                n["decision"] += 1
                if b'"decision":"allow"' in line:
                    n["allow"] += 1
            elif b'"event":"outcome"' in line:
                n["outcome"] += 1
                if b'"upstream":{"status":200,' in line:
                    n["outcome_200"] += 1
            else:
                for ev in ("start", "stop", "config", "recovery"):
                    if b'"event":"%s"' % ev.encode() in line:
                        n[ev] += 1
                        break
    for k, v in n.items():
        print("%s=%d" % (k, v))


def _tree(root):
    par = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                raw = open("/proc/%s/stat" % pid).read()
                par[pid] = raw[raw.rindex(")") + 2:].split()[1]
            except (OSError, ValueError, IndexError):
                pass
    mine, changed = {str(root)}, True
    while changed:
        changed = False
        for p, pp in par.items():
            if p not in mine and pp in mine:
                mine.add(p)
                changed = True
    return [p for p in mine if p in par]


def psspeak(root, out, interval=0.5, limit_s=3600):
    """Peak PSS (kB) of root's process tree, sampled every interval s until
    killed; out always holds the peak so far."""
    peak, t0 = 0, time.time()
    while time.time() - t0 < limit_s:
        tot = 0
        for p in _tree(root):
            try:
                for line in open("/proc/%s/smaps_rollup" % p):
                    if line.startswith("Pss:"):
                        tot += int(line.split()[1])
                        break
            except OSError:
                pass
        if tot > peak:
            peak = tot
            with open(out + ".tmp", "w") as f:
                f.write("%d\n" % peak)
            os.replace(out + ".tmp", out)
        if tot == 0 and not os.path.exists("/proc/%s" % root):
            return
        time.sleep(interval)


def procsnap(out, exclude_roots):
    """Record (starttime, comm, utime+stime) of every process, for the
    'foreign CPU' noise check (processes we did not start)."""
    snap = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            raw = open("/proc/%s/stat" % pid).read()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1:raw.rindex(")")]
        f = raw[raw.rindex(")") + 2:].split()
        snap[pid] = [f[19], comm, int(f[11]) + int(f[12]), f[1]]
    with open(out, "w") as fh:
        json.dump(snap, fh)


def _foreign(d, excl):
    try:
        a = json.load(open(os.path.join(d, "procs.before")))
        b = json.load(open(os.path.join(d, "procs.after")))
    except (OSError, ValueError):
        return None, []
    # exclude our own trees: given roots and all their descendants (by ppid)
    par = {pid: v[3] for pid, v in b.items()}
    par.update({pid: v[3] for pid, v in a.items()})
    mine = set(x for x in excl if x)
    changed = True
    while changed:
        changed = False
        for pid, pp in par.items():
            if pid not in mine and pp in mine:
                mine.add(pid)
                changed = True
    clk = os.sysconf("SC_CLK_TCK")
    rows = []
    for pid, v in b.items():
        if pid in mine or pid not in a or a[pid][0] != v[0]:
            continue
        dt = v[2] - a[pid][2]
        if dt > 0:
            rows.append((dt / clk, v[1], pid))
    rows.sort(reverse=True)
    return round(sum(r[0] for r in rows), 2), [{"cpu_s": round(r[0], 2), "comm": r[1], "pid": int(r[2])} for r in rows[:3]]


DISTURB_PCT = 3.0  # foreign CPU on a side, in % of that side's capacity
BUSY_PCT = 90.0    # ... that counts only on a side that ran out of CPU


def _cpu_list(v):
    out = []
    for part in str("" if v is None else v).split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-")
            out += [str(i) for i in range(int(a), int(b) + 1)]
        else:
            out.append(part)
    return out


def _cpu_avg(cpu, lst):
    vals = [cpu.get("cpu" + c, {}).get("busy_pct") for c in lst]
    vals = [v for v in vals if v is not None]
    return sum(vals) / len(vals) if vals else 100


def derive(m, run):
    """Busy CPU time on each side that our own processes (proxy, upstream, wrk)
    did not use: foreign load, including short-lived processes that the /proc
    snapshots cannot see. A point with more than DISTURB_PCT on a side that
    matters is marked disturbed and left out of medians and ratios. A side
    matters when it ran out of CPU (busy >= BUSY_PCT): on a side with idle
    time left, the unexplained time is mostly interrupt and softirq work for
    our own loopback traffic, and foreign load there takes no CPU from us."""
    if m.get("rps") is None or not m.get("cpu"):
        return m
    dur, cpu, cand = m["duration_s"], m["cpu"], m["candidate"]
    w, u, p = m.get("wrk_cpu_s") or 0, m.get("upstream_cpu_s") or 0, m.get("proxy_cpu_s") or 0

    def busy_s(lst):
        return sum(cpu.get("cpu" + c, {}).get("busy_pct", 0) for c in lst) / 100.0 * dur

    sides = {}
    if run.get("pin") == 1:
        pc, dc = _cpu_list(run.get("proxy_cpus")), _cpu_list(run.get("driver_cpus"))
        if cand == "direct":
            sides["driver"] = (busy_s(dc) - w - u, len(dc))
        elif cand == "direct-x":
            sides["proxy"] = (busy_s(pc) - u, len(pc))
            sides["driver"] = (busy_s(dc) - w, len(dc))
        else:
            sides["proxy"] = (busy_s(pc) - p, len(pc))
            sides["driver"] = (busy_s(dc) - w - u, len(dc))
    else:
        n = int(run.get("host_nproc") or 2)
        sides["machine"] = (cpu.get("cpu", {}).get("busy_pct", 0) / 100.0 * dur * n - w - u - p, n)
    m["other_cpu_pct"] = {k: round(100.0 * v / (dur * max(n, 1)), 1) for k, (v, n) in sides.items()}
    if run.get("pin") == 1:
        busy = {"proxy": _cpu_avg(cpu, pc), "driver": _cpu_avg(cpu, dc)}
    else:
        busy = {"machine": cpu.get("cpu", {}).get("busy_pct", 0)}
    m["disturbed"] = any(v > DISTURB_PCT and busy.get(k, 100) >= BUSY_PCT
                         for k, v in m["other_cpu_pct"].items())
    return m


def _derive_all(runs):
    for run in runs:
        for m in run.get("measurements", []):
            derive(m, run)


def assemble(meta_path, jsonl, out):
    meta = json.load(open(meta_path))
    rows = [json.loads(l) for l in open(jsonl) if l.strip()] if os.path.exists(jsonl) else []
    meta["measurements"] = rows
    _derive_all([meta])
    meta["summary"] = summarize([meta])
    with open(out, "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")


# ---------------------------------------------------------------- report
def _med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


WORKLOAD_ORDER = {"patch": 0, "get": 1, "passthrough-patch": 2}
RATIO_REFS = ("nginx", "haproxy", "direct", "gateway-w1")


def _wkey(w):
    return (WORKLOAD_ORDER.get(w, 9), w)


def summarize(runs, include_disturbed=False):
    """Medians over every (file, round) for each (workload, candidate, conns),
    plus ratios computed only between candidates measured in the same round
    (req/s, CPU us per request, p99 latency, peak PSS), and the issue-5
    targets.  Disturbed points are left out (unless every point of a cell is);
    a re-measured point replaces its disturbed try in the round."""
    _derive_all(runs)
    by = {}
    rounds = {}
    for fi, run in enumerate(runs):
        for m in run["measurements"]:
            if m.get("rps") is None:
                continue
            m.setdefault("workload", "patch")
            key = (m["workload"], m["candidate"], m["conns"])
            by.setdefault(key, []).append(m)
            if include_disturbed or not m.get("disturbed"):
                rounds.setdefault((fi, m["round"], m["workload"], m["conns"]), {})[m["candidate"]] = m
    cells = []
    for (wl, cand, c), allms in sorted(by.items(), key=lambda kv: (_wkey(kv[0][0]), kv[0][2], kv[0][1])):
        ms = allms if include_disturbed else [m for m in allms if not m.get("disturbed")]
        if not ms:
            ms = allms
        rps = [m["rps"] for m in ms]
        med = _med(rps)
        audits = [m.get("audit_check") for m in ms if m.get("audit_check")]
        cells.append({
            "workload": wl, "candidate": cand, "conns": c, "n": len(ms), "n_disturbed_left_out": len(allms) - len(ms)
            if ms is not allms else 0, "all_disturbed": all(m.get("disturbed") for m in ms),
            "rps_median": round(med, 1), "rps_min": min(rps), "rps_max": max(rps),
            "rps_spread_pct": round(100.0 * (max(rps) - min(rps)) / med, 1) if med else None,
            "p50_ms_median": _med([m["p50_ms"] for m in ms]),
            "p99_ms_median": _med([m["p99_ms"] for m in ms]),
            "p99_ms_max": max(m["p99_ms"] for m in ms),
            "proxy_peak_rss_kb_median": _med([m.get("proxy_peak_rss_kb") for m in ms]),
            "proxy_pss_kb_end_median": _med([m.get("proxy_pss_kb_end") for m in ms]),
            "proxy_pss_peak_kb_median": _med([m.get("proxy_pss_peak_kb") for m in ms]),
            "saturated": sorted(set(m.get("saturated", "?") for m in ms)),
            "proxy_cpu_us_per_req_median": _med([m.get("proxy_cpu_us_per_req") for m in ms]),
            "upstream_new_conns_median": _med([m.get("upstream_new_conns") for m in ms]),
            "errors": sum(sum(m["errors"].values()) for m in ms),
            "all_ok": all(m.get("ok") for m in ms),
            "audit": None if not audits else ("ok" if all(a["verdict"] == "ok" for a in audits) else "BAD"),
            "steal_pct_max": max([v.get("steal_pct", 0) for m in ms for v in m.get("cpu", {}).values()] or [0]),
        })
    ratios = {}
    metrics = (("rps", "rps"), ("cpu_us", "proxy_cpu_us_per_req"), ("p99", "p99_ms"), ("pss_peak", "proxy_pss_peak_kb"))
    for (fi, rnd, wl, c), cands in rounds.items():
        for cand, m in cands.items():
            for ref in RATIO_REFS:
                if ref not in cands or cand == ref or (ref != "nginx" and not cand.startswith("gateway")):
                    continue
                for metric, field in metrics:
                    if ref in ("direct", "gateway-w1") and metric != "rps":
                        continue
                    a, b = m.get(field), cands[ref].get(field)
                    if a and b:
                        ratios.setdefault((wl, cand, ref, metric, c), []).append(a / b)
    rat = []
    for (wl, cand, ref, metric, c), xs in sorted(ratios.items(), key=lambda kv: (
            _wkey(kv[0][0]), kv[0][4], kv[0][1], kv[0][2], kv[0][3])):
        rat.append({"workload": wl, "candidate": cand, "vs": ref, "metric": metric, "conns": c, "n": len(xs),
                    "ratio_median": round(_med(xs), 3), "ratio_min": round(min(xs), 3),
                    "ratio_max": round(max(xs), 3)})
    return {"cells": cells, "ratios": rat, "targets": targets(cells, rat)}


# issue 5: (workloads, metric, comparison, limit, what)
TARGETS = [
    (("get", "passthrough-patch"), "cpu_us", "<=", 0.9, "1. passthrough CPU us/req <= 0.9x nginx"),
    (("get", "passthrough-patch"), "rps", ">=", 1.0, "1. passthrough req/s >= nginx"),
    (("get", "passthrough-patch"), "p99", "<=", 1.0, "1. passthrough p99 <= nginx"),
    (("patch",), "rps", ">=", 0.9, "2. intercepted req/s >= 0.9x nginx"),
    (("patch",), "cpu_us", "<=", 1.1, "2. intercepted CPU us/req <= 1.1x nginx"),
    (("patch", "get", "passthrough-patch"), "pss_peak", "<=", 1.0, "3. peak PSS at 128 conns <= nginx"),
]


def targets(cells, rat, cand="gateway"):
    idx = {(r["workload"], r["candidate"], r["vs"], r["metric"], r["conns"]): r for r in rat}
    out = []
    conns = sorted(set(c["conns"] for c in cells))
    wls = sorted(set(c["workload"] for c in cells), key=_wkey)
    for wanted, metric, op, limit, what in TARGETS:
        for wl in wls:
            if wl not in wanted:
                continue
            for c in conns:
                if metric == "pss_peak" and c != 128:
                    continue
                r = idx.get((wl, cand, "nginx", metric, c))
                if r is None:
                    continue
                v = r["ratio_median"]
                out.append({"target": what, "workload": wl, "conns": c, "metric": metric, "ratio": v,
                            "limit": limit, "op": op, "n": r["n"],
                            "met": v <= limit if op == "<=" else v >= limit})
    for cell in cells:
        if cell["candidate"] != cand:
            continue
        out.append({"target": "4. zero errors, every request audited", "workload": cell["workload"],
                    "conns": cell["conns"], "metric": "errors+audit", "ratio": None, "limit": None,
                    "op": "==", "n": cell["n"], "errors": cell["errors"], "audit": cell["audit"],
                    "met": cell["errors"] == 0 and cell["audit"] in ("ok", None)})
    for r in rat:
        if r["candidate"] == cand and r["vs"] == "gateway-w1" and r["metric"] == "rps":
            out.append({"target": "5. scaling: req/s workers=N / workers=1", "workload": r["workload"],
                        "conns": r["conns"], "metric": "rps", "ratio": r["ratio_median"], "limit": 1.0,
                        "op": ">", "n": r["n"], "met": r["ratio_median"] > 1.0})
    return out


def _f(v, fmt="%.1f"):
    return "-" if v is None else fmt % v


def report(paths):
    runs = [json.load(open(p)) for p in paths]
    _derive_all(runs)
    out = []
    out.append("== raw measurements ==")
    out.append("%-3s %-3s %-17s %-10s %5s %9s %8s %8s %8s %8s %9s %6s %-5s %-9s %s" % (
        "run", "rnd", "workload", "candidate", "conns", "req/s", "p50 ms", "p99 ms", "max ms", "PSS MiB",
        "cpu us/req", "upconn", "audit", "cpu busy%", "foreign cpu% (* = disturbed)"))
    for fi, run in enumerate(runs):
        for m in run["measurements"]:
            wl = m.get("workload", "patch")
            if m.get("rps") is None:
                out.append("%-3d %-3s %-17s %-10s %5s  FAILED: %s" % (fi, m.get("round"), wl, m.get("candidate"),
                                                                    m.get("conns"), m.get("error")))
                continue
            busy = "/".join("%d" % v["busy_pct"] for k, v in sorted(m.get("cpu", {}).items()) if k != "cpu")
            errs = ",".join("%s=%d" % (k, v) for k, v in m["errors"].items() if v)
            errs = ("ERRORS " + errs + " ") if errs else ""
            errs += ("*" if m.get("disturbed") else " ") + " ".join(
                "%s=%.1f" % (k, v) for k, v in sorted(m.get("other_cpu_pct", {}).items()))
            au = m.get("audit_check")
            if au and au["verdict"] != "ok":
                errs += " AUDIT: " + "; ".join(au["problems"])
            pss = m.get("proxy_pss_peak_kb")
            out.append("%-3d %-3d %-17s %-10s %5d %9.0f %8.3f %8.3f %8.1f %8s %9s %6s %-5s %-9s %s" % (
                fi, m["round"], wl, m["candidate"], m["conns"], m["rps"], m["p50_ms"], m["p99_ms"], m["max_ms"],
                _f(pss / 1024.0 if pss else None), _f(m.get("proxy_cpu_us_per_req")),
                _f(m.get("upstream_new_conns"), "%d"), au["verdict"] if au else "-", busy, errs))
    s = summarize(runs)
    out.append("")
    out.append("== medians over %d run(s) x rounds (spread = (max-min)/median); disturbed points "
               "(foreign CPU > %.0f%% on a side that was >= %.0f%% busy) left out, n = points used ==" % (
                   len(runs), DISTURB_PCT, BUSY_PCT))
    out.append("%-17s %-10s %5s %3s %9s %7s %8s %8s %8s %8s %10s %5s  %s" % (
        "workload", "candidate", "conns", "n", "req/s med", "spread%", "p50 ms", "p99 ms", "p99 max",
        "PSS MiB", "cpu us/req", "audit", "saturated"))
    for c in s["cells"]:
        pss = c.get("proxy_pss_peak_kb_median")
        out.append("%-17s %-10s %5d %3d %9.0f %7.1f %8.3f %8.3f %8.3f %8s %10s %5s  %s%s" % (
            c["workload"], c["candidate"], c["conns"], c["n"], c["rps_median"], c["rps_spread_pct"] or 0,
            c["p50_ms_median"], c["p99_ms_median"], c["p99_ms_max"],
            _f(pss / 1024.0 if pss else None),
            _f(c["proxy_cpu_us_per_req_median"]), c.get("audit") or "-", ",".join(c.get("saturated", [])),
            "" if c["all_ok"] else "  (errors!)") + (
            "  (%d disturbed left out)" % c["n_disturbed_left_out"] if c.get("n_disturbed_left_out") else "") + (
            "  (ALL DISTURBED)" if c.get("all_disturbed") else ""))
    out.append("")
    out.append("== same-round ratios, undisturbed pairs only (median [min..max]): candidate / reference ==")
    names = {"rps": "req/s", "cpu_us": "cpu us/req", "p99": "p99", "pss_peak": "peak PSS"}
    for r in s["ratios"]:
        out.append("%-17s %-10s / %-10s %-10s c=%-4d n=%d  %.3f [%.3f..%.3f]" % (
            r["workload"], r["candidate"], r["vs"], names[r["metric"]], r["conns"], r["n"],
            r["ratio_median"], r["ratio_min"], r["ratio_max"]))
    if s["targets"]:
        out.append("")
        out.append("== issue 5 targets: gateway (ldgate) / nginx, same-round median ratios ==")
        for t in s["targets"]:
            if t["metric"] == "errors+audit":
                val = "errors=%d audit=%s" % (t["errors"], t["audit"] or "-")
            else:
                val = "%.3f %s %.2f" % (t["ratio"], t["op"], t["limit"])
            out.append("%-4s %-43s %-17s c=%-4d %-24s n=%d" % (
                "MET" if t["met"] else "MISS", t["target"], t["workload"], t["conns"], val, t["n"]))
    print("\n".join(out))


def disturbed_cmd(pin, pcpus, dcpus, nproc):
    m = json.loads(sys.stdin.readline())
    run = {"pin": int(pin), "proxy_cpus": pcpus, "driver_cpus": dcpus, "host_nproc": int(nproc)}
    derive(m, run)
    if m.get("disturbed"):
        sys.stderr.write("  disturbed: other cpu %% %s, top %s\n" % (m.get("other_cpu_pct"), m.get("foreign_top")))
        sys.exit(0)
    sys.exit(1)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "render":
        render(args[0], args[1], args[2:])
    elif cmd == "body":
        body(int(args[0]))
    elif cmd == "measure":
        print(json.dumps(measure(args[0])))
    elif cmd == "assemble":
        assemble(args[0], args[1], args[2])
    elif cmd == "report":
        report(args)
    elif cmd == "resummarize":  # recompute derived fields + summary in place
        for pth in args:
            run = json.load(open(pth))
            _derive_all([run])
            run["summary"] = summarize([run])
            with open(pth, "w") as f:
                json.dump(run, f, indent=1)
                f.write("\n")
    elif cmd == "psspeak":
        psspeak(args[0], args[1])
    elif cmd == "auditcount":
        auditcount(args[0])
    elif cmd == "disturbed":
        disturbed_cmd(*args[:4])
    elif cmd == "procsnap":
        procsnap(args[0], args[1:])
    elif cmd == "kv2json":
        d = {}
        for a in args:
            k, v = a.split("=", 1)
            d[k] = _num(v) if _num(v) is not None and not v.startswith("0") or v == "0" else v
        print(json.dumps(d))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
