#!/usr/bin/env python3
"""Where ldgate's CPU per request goes, from a `perf record --call-graph dwarf`
profile (bench/profile.sh makes one) or a callgrind output file.

  profile.py perf PERF.data --src SRC_DIR [--cpu-us US] [--json OUT]
  profile.py callgrind CALLGRIND.out --src SRC_DIR [--cpu-us US] [--json OUT]

Each sample is put in one stage:

- the audit writer thread (any frame `writer_main`): JSON serialization of the
  line, the SHA-256 hash chain, write(2), fdatasync(2), other (waits, wake-ups);
- a worker thread: walking the call chain from the leaf towards the root, the
  first frame that is TLS (libssl, libevent_openssl), HTTP (libevent_extra:
  evhttp's parser and writer) or ldgate's own code decides; ldgate's functions
  are grouped by source file (JSON Patch parsing, audit record building,
  policy, token fingerprint, operator log, audit hand-off, upstream client,
  routing, ...). Kernel time is split by system call. What has none of those
  frames is libevent's loop and buffers, or libc.

A second view is by leaf function class (allocation, copying, crypto, JSON
library, ...): allocation and copying are spread over every stage.
With --cpu-us (the proxy CPU us per request measured without the profiler),
each share is also given in us per request. Standard library only.
"""
import collections
import json
import os
import re
import subprocess
import sys

# ldgate source file -> stage; some functions get their own below
FILE_STAGE = {
    "patch.c": "JSON Patch parsing (patch.c, jansson)",
    "record.c": "audit record building (record.c, redact.c, jansson)",
    "redact.c": "audit record building (record.c, redact.c, jansson)",
    "access.c": "policy decision (access, decide, specifier)",
    "decide.c": "policy decision (access, decide, specifier)",
    "policy.c": "policy decision (access, decide, specifier)",
    "policyset.c": "policy decision (access, decide, specifier)",
    "specifier.c": "policy decision (access, decide, specifier)",
    "glob.c": "policy decision (access, decide, specifier)",
    "action.c": "policy decision (access, decide, specifier)",
    "explain.c": "policy decision (access, decide, specifier)",
    "fingerprint.c": "token fingerprint (SHA-256)",
    "log.c": "operator log line (log.c -> stderr)",
    "audit.c": "audit hand-off (queue, cross-thread wake-up)",
    "upstream.c": "upstream client (pool, header copy)",
    "server.c": "client connections (server.c timers, limits)",
    "route.c": "routing (route.c)",
    "resolve.c": "integration key cache (resolve.c)",
    "reply.c": "error replies (reply.c)",
    "txn.c": "request handling (txn.c)",
}
FUNC_STAGE = {
    "txn_commit": "audit record building (record.c, redact.c, jansson)",
    "txn_decide": "audit record building (record.c, redact.c, jansson)",
    "txn_client": "audit record building (record.c, redact.c, jansson)",
    "relay_head": "response relay (txn.c: header copy)",
    "relay_data": "response relay (txn.c: header copy)",
    "relay_done": "response relay (txn.c: header copy)",
    "relay_flushed": "response relay (txn.c: header copy)",
    "access_decide": "policy decision (access, decide, specifier)",
    "access_object": "policy decision (access, decide, specifier)",
}
WRITER = {
    "json_dumps": "audit writer: JSON serialization (json_dumps)",
    "sha256_hex": "audit writer: SHA-256 hash chain",
    "write_full": "audit writer: write(2)",
    "buf_flush": "audit writer: write(2)",
}
ALLOC = re.compile(r"^(__libc_)?(malloc|calloc|realloc|free|cfree)$|^_int_(malloc|free|realloc)|"
                   r"^malloc_consolidate|^tcache_|^__GI___libc_(malloc|free|calloc|realloc)|^unlink_chunk|"
                   r"^jsonp_(malloc|free|strdup|strndup)|^event_mm_|^mm_(malloc|free|calloc|realloc)")
COPY = re.compile(r"^__(memmove|memcpy|memset|mempcpy)|^(memcpy|memmove|memset)$|__memcpy|__memmove|"
                  r"^evbuffer_(add|copyout|pullup|remove|add_buffer|expand)")
STR = re.compile(r"^(__)?(v?s?n?printf|strftime|strlen|strcmp|strcasecmp|strncasecmp|strchr|strspn|strcspn|"
                 r"str.*_avx2|__strlen|__strcasecmp|__strncasecmp|__str|__vfprintf|__printf_|_IO_)")


def ldgate_functions(src):
    """function name -> source file, from the project's style: the name at
    column 0 followed by '('."""
    out = {}
    for fn in sorted(os.listdir(src)):
        if not fn.endswith(".c"):
            continue
        for line in open(os.path.join(src, fn), errors="replace"):
            m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\(", line)
            if m:
                out.setdefault(m.group(1), fn)
    return out


def leaf_class(sym, dso):
    if dso == "kernel":
        return "kernel"
    if ALLOC.search(sym):
        return "allocation (malloc/free)"
    if COPY.search(sym):
        return "copying (memcpy/memmove, evbuffer copies)"
    if "libcrypto" in dso:
        return "crypto (AES-GCM, SHA-256, provider look-ups)"
    if "libssl" in dso:
        return "TLS state machine (libssl)"
    if "libjansson" in dso:
        return "JSON library (jansson)"
    if "libevent" in dso:
        return "libevent (loop, buffers, evhttp)"
    if STR.search(sym):
        return "string/format (libc)"
    if "libc" in dso:
        return "libc (other: locks, time)"
    if dso.endswith("ldgate") or dso == "ldgate":
        return "ldgate's own code"
    return "other"


def classify(frames, funcs):
    """frames: [(sym, dso)] leaf first.  -> (stage, leafclass)"""
    syms = [f[0] for f in frames]
    leaf = leaf_class(*frames[0]) if frames else "other"
    syscall = None
    for s, d in frames:
        if d == "kernel":
            m = re.match(r"^__(x64|ia32)_sys_(\w+)", s)
            if m and syscall is None:
                syscall = m.group(2)
    if "writer_main" in syms:
        if syscall in ("fdatasync", "fsync"):
            return "audit writer: fdatasync(2)", leaf
        if syscall in ("write", "pwrite64"):
            return "audit writer: write(2)", leaf
        for s in syms:
            if s in WRITER:
                return WRITER[s], leaf
        return "audit writer: other (waits, wake-ups, hand-back)", leaf
    if frames and frames[0][1] == "kernel":
        ksyms = [s for s, d in frames if d == "kernel"]
        if any(re.search(r"schedule|task_switch|send_IPI|reschedule_ipi|_ipi$", s) for s in ksyms[:6]):
            return "kernel: scheduling, context switches, IPIs", leaf
        if syscall is None:  # the kernel chain is cut short: name it by the libc wrapper
            user = [s for s, d in frames if d != "kernel"]
            u = user[0] if user else ""
            if re.search(r"writev|libc_write|send", u):
                syscall = "write/writev"
            elif re.search(r"readv|libc_read|recv", u):
                syscall = "read/readv"
            elif "epoll_ctl" in u:
                syscall = "epoll_ctl"
            elif "epoll_wait" in u:
                syscall = "epoll_wait"
            elif re.search(r"lll_lock|futex|pthread_cond|pthread_mutex", u):
                syscall = "futex"
            elif u:
                syscall = "other (%s)" % u
            else:
                return "kernel: interrupts, other", leaf
        if syscall in ("sendto", "sendmsg", "write", "writev", "write/writev"):
            return "kernel: socket send (write, writev)", leaf
        if syscall in ("recvfrom", "recvmsg", "read", "readv", "read/readv"):
            return "kernel: socket receive (read, readv)", leaf
        if syscall in ("epoll_ctl",):
            return "kernel: epoll_ctl (libevent adds/removes fds)", leaf
        if syscall in ("epoll_wait", "epoll_pwait"):
            return "kernel: epoll_wait", leaf
        if syscall in ("futex",):
            return "kernel: futex (locks, wake-ups)", leaf
        return "kernel: %s" % syscall, leaf
    for s, d in frames:
        if d == "kernel":
            continue
        if "libssl" in d or "libevent_openssl" in d or s.startswith("SSL_"):
            return "TLS (libssl: records, AES-GCM, bufferevent_openssl)", leaf
        if "libevent_extra" in d or s.startswith("evhttp_"):
            return "HTTP parse/format (evhttp)", leaf
        if s in FUNC_STAGE:
            return FUNC_STAGE[s], leaf
        if s in funcs and funcs[s] in FILE_STAGE and s not in ("worker_main", "server_run"):
            return FILE_STAGE[funcs[s]], leaf
    d0 = frames[0][1] if frames else ""
    if "libevent" in d0:
        return "event loop, buffers (libevent core)", leaf
    if "libcrypto" in d0:
        return "crypto (other)", leaf
    return "libc / other", leaf


def norm_dso(d):
    if d in ("[kernel.kallsyms]", "kernel.kallsyms") or d.startswith("[kernel"):
        return "kernel"
    return os.path.basename(d)


def perf_samples(path):
    p = subprocess.run(["perf", "script", "-i", path, "-F", "tid,ip,sym,dso"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, errors="replace")
    cur, inl = None, None
    for line in p.stdout.splitlines() + [""]:
        if not line.strip():
            if cur is not None:
                yield cur, 1
            cur = None
            continue
        if not line.startswith("\t") and not line.startswith(" " * 8):
            cur = []
            continue
        m = re.match(r"\s*[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$", line)
        if m is None or cur is None:
            continue
        sym, dso = m.group(1), m.group(2)
        sym = re.sub(r"\+0x[0-9a-f]+$", "", sym)
        if dso == "inlined":
            dso = inl or ""
        cur.append((sym, norm_dso(dso)))
        inl = norm_dso(dso)


def callgrind_samples(path):
    """Self cost (instructions) per function from callgrind_annotate: one
    one-frame "sample" per function, weighted by its cost.  No call chains
    and no kernel time: the stage view is only approximate there."""
    p = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=100", path],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, errors="replace")
    for line in p.stdout.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*):([^:\s]+)\s+\[(.*)\]\s*$", line)
        if m:
            yield [(m.group(3), norm_dso(m.group(4)))], int(m.group(1).replace(",", ""))


KEY_FUNCS = ["txn_handle", "route_classify", "txn_protected", "fingerprint", "patch_parse", "txn_decide",
             "access_decide", "txn_commit", "record_decision", "redact_patch", "record_outcome", "audit_submit",
             "notify_cb", "log_info", "upstream_send", "relay_head", "relay_data", "writer_main", "batch_commit",
             "line_add", "json_dumps", "sha256_hex", "SSL_read", "SSL_write", "evhttp_read_cb", "evhttp_write_cb",
             "evhttp_send_reply_start", "evhttp_make_request"]


def callgrind_inclusive(path):
    p = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, errors="replace")
    inc, total = {}, None
    for line in p.stdout.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+PROGRAM TOTALS", line)
        if m:
            total = int(m.group(1).replace(",", ""))
        m = re.match(r"\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*):([^:\s]+)\s+\[(.*)\]\s*$", line)
        if m and m.group(3) in KEY_FUNCS:
            inc[m.group(3)] = inc.get(m.group(3), 0) + int(m.group(1).replace(",", ""))
    return inc, total


def main():
    a = sys.argv[1:]
    if len(a) < 2 or a[0] not in ("perf", "callgrind"):
        sys.exit(__doc__)
    kind, path = a[0], a[1]
    src, cpu_us, out_json = None, None, None
    i = 2
    while i < len(a):
        if a[i] == "--src":
            src = a[i + 1]
        elif a[i] == "--cpu-us":
            cpu_us = float(a[i + 1])
        elif a[i] == "--json":
            out_json = a[i + 1]
        i += 2
    funcs = ldgate_functions(src) if src else {}
    stages, leaves, selfsym = collections.Counter(), collections.Counter(), collections.Counter()
    total = 0
    it = perf_samples(path) if kind == "perf" else callgrind_samples(path)
    for frames, w in it:
        if not frames:
            continue
        st, lc = classify(frames, funcs)
        stages[st] += w
        leaves[lc] += w
        selfsym["%s (%s)" % frames[0]] += w
        total += w
    if not total:
        sys.exit("no samples in %s" % path)

    def rows(counter):
        return [{"what": k, "share_pct": round(100.0 * v / total, 1),
                 "us_per_req": round(cpu_us * v / total, 2) if cpu_us else None}
                for k, v in counter.most_common()]
    res = {"profile": path, "kind": kind, "samples": total, "cpu_us_per_req": cpu_us,
           "stages": rows(stages), "leaf_classes": rows(leaves), "top_self": rows(collections.Counter(
               dict(selfsym.most_common(30))))}
    sections = (("by stage (first TLS / HTTP / ldgate frame from the leaf)", "stages"),
                ("by leaf function class", "leaf_classes"),
                ("top leaf functions (self)", "top_self"))
    if kind == "callgrind":  # no call chains: inclusive costs of key functions instead of stages
        inc, tot = callgrind_inclusive(path)
        tot = tot or total
        res["inclusive"] = [{"what": k, "share_pct": round(100.0 * v / tot, 1),
                             "us_per_req": round(cpu_us * v / tot, 2) if cpu_us else None}
                            for k, v in sorted(inc.items(), key=lambda kv: -kv[1])]
        del res["stages"]
        sections = (("inclusive cost of key functions (instructions, incl. callees)", "inclusive"),) + sections[1:]
    if out_json:
        with open(out_json, "w") as f:
            json.dump(res, f, indent=1)
    hdr = "us/req" if cpu_us else ""
    print("%s: %d samples%s" % (path, total, ", %.1f CPU us per request" % cpu_us if cpu_us else ""))
    for title, key in sections:
        print("\n-- %s --" % title)
        print("%7s %8s  %s" % ("share", hdr, "what"))
        for r in res[key]:
            if r["share_pct"] < 0.3 and key not in ("stages", "inclusive"):
                continue
            print("%6.1f%% %8s  %s" % (r["share_pct"], "%.2f" % r["us_per_req"] if cpu_us else "", r["what"]))


if __name__ == "__main__":
    main()
