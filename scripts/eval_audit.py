#!/usr/bin/env python3
"""Measure `stockade audit` against the expectations of six other linters' test suites.

The evaluation set (../shared/eval/audit: fixture files copied from trivy-checks, polaris,
checkov, kube-score, kube-linter and kics, plus expected.jsonl) tags every upstream
expectation with practice tags. PRACTICE_RULES below is the one place that says which
stockade rules implement a practice; a record is scored only against those rules, since a
file that passes upstream rule X may rightly fail some other practice.

Verdicts (the `expect` field of a record), with R = the practice's rules:
  pass                          agree when no rule of R fires in the file
  fail, fail(critical|warning)  agree when at least one rule of R fires (severity is not compared)
  fail@lines:N,M                agree when a rule of R fires; whether it fires at each listed line is
                                counted apart ("fires, not at the expected line": kics points at
                                a key, stockade at the item under it)
  pass:N,fail:M, count:N        resource-level counts (checkov, kube-linter). Approximated per
                                file: agree when R fires at all iff the fail count is > 0. The
                                number of findings is not compared, because stockade reports per
                                container/key and the upstream tools per object.

Disagreements whose fixture path is in the first column of a table in the --explained
document (default docs/audit-eval.md) are marked "explained", with their class in the second
column: b (a deliberate semantic difference) or c (a fixture quirk: an input that is broken or
not what its rule is about).  Agreement is printed raw and on valid fixtures (quirks left out).
Exit status: 0 when every disagreement is explained and the agreement on valid fixtures is
>= --min-agreement (95%), 1 otherwise, 2 when stockade could not be run or the evaluation set
is missing.

Standard library only.
"""

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys

# Practice tag -> stockade rule IDs that implement it. A tag missing here is "not implemented":
# its records are left out of the score and counted on a line of their own.
PRACTICE_RULES = {
	"nonroot": ["STK101"],
	"caps": ["STK201", "STK202", "STK203"],
	"readonly-rootfs": ["STK301"],
	"privileged": ["STK102"],
	"docker-sock": ["STK303"],
	"port-bind-localhost": ["STK401"],
	"host-ports": ["STK401"],
	"networkpolicy": ["STK402", "STK403", "STK404"],
	"image-pinning": ["STK501", "STK502"],
	"secrets-env": ["STK601", "STK602"],
	"host-namespaces": ["STK205"],
	"privesc": ["STK103"],
	"seccomp": ["STK204"],
	"hostpath": ["STK304", "STK303"],
	"resources": ["STK701", "STK702", "STK703"],
	"curl-wget": ["STK503", "STK505"],
	"sudo": ["STK506"],
	"add-vs-copy": ["STK504"],
}

# Upstream rule -> the stockade rules that check the same thing.  A practice tag is coarse
# ("caps" covers "drop ALL", "no SYS_ADMIN" and "no added capability"); where the upstream
# rule checks one narrower thing, it is compared with the stockade rule that checks that
# thing (the evaluation set's README asks for such a per-source table).  Matched by prefix
# of the record's `rule`; None = stockade has no rule for it (not implemented).
UPSTREAM_RULES = {
	# capabilities
	"CKV_K8S_25": ["STK202", "STK203"],        # added capabilities
	"CKV_K8S_28": ["STK201"],                  # NET_RAW not dropped
	"CKV_K8S_39": ["STK202"],                  # SYS_ADMIN
	"KSV-0003": ["STK201"],                    # default capabilities not dropped
	"KSV-0005": ["STK202"],                    # SYS_ADMIN added
	"KSV-0022": ["STK202", "STK203"],          # non-default capabilities added
	"dangerousCapabilities": ["STK202"],
	"drop-net-raw-capability": ["STK201"],
	# images: digest vs latest
	"CKV_K8S_43": ["STK501"],
	"KICS:7c81d34c": ["STK501"],               # image without digest
	"Container Image Tag": ["STK502"],
	"DS-0001": ["STK502"],
	"KSV-0013": ["STK502"],
	"KICS:f45ea400": ["STK502"],               # latest
	"tagNotSpecified": ["STK502"],
	"latest-tag": ["STK502"],
	# NetworkPolicy: a workload no policy selects
	"Pod NetworkPolicy": ["STK404"],
	"missingNetworkPolicy": ["STK404"],
	"non-isolated-pod": ["STK404"],
	"KICS:0401f71b": ["STK404"],               # pod misconfigured network policy
	"KSV-0038": ["STK404", "STK402"],
	"NetworkPolicy targets Pod": None,         # a policy that selects no pod: no such rule
	"KICS:85ab1c5b": None,                     # network policy without pod target: same
	# secrets: literal values vs references
	"CKV_K8S_35": ["STK602"],
	"KICS:3d658f8b": ["STK602"],               # secretKeyRef in env
	"read-secret-from-env-var": ["STK602"],
	"sensitiveContainerEnvVar": ["STK601"],
	"env-var-secret": ["STK601"],
	"KSV-0109": None,                          # secrets in a ConfigMap: not audited
	"KSV-0028": None,                          # volume types other than the ephemeral ones: not a rule here
	# sensitive host directories: STK304's high findings (its medium ones are any writable host mount)
	"KICS:1c1325ff": ["STK304:high", "STK303"],
	"sensitive-host-mounts": ["STK304:high", "STK303"],
	# resources: the kics rule is about memory only
	"KICS:bb9ac4f7": ["STK701"],
	# compose security_opt missing: no-new-privileges
	"KICS:610e266e": ["STK103"],
	# downloads
	"CKV2_DOCKER_2": ["STK505"],
	"CKV2_DOCKER_3": ["STK505"],
	"DS-0014": None,                           # using both curl and wget
	"KICS:efbf148a": None,                     # pipefail
}


def rules_for(rec):
	"""The stockade rules a record is scored against: the upstream rule's own, else its practices'."""
	for key, rules in UPSTREAM_RULES.items():
		if rec["rule"].startswith(key):
			return rules or []
	return sorted({r for t in rec["practice"] if t in PRACTICE_RULES for r in PRACTICE_RULES[t]})


THRESHOLD = 95.0
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_EVAL_DIR = os.environ.get("STOCKADE_EVAL_DIR", os.path.join(REPO, "..", "shared", "eval", "audit"))
DEFAULT_EXPLAINED = os.path.join(REPO, "docs", "audit-eval.md")


def parse_args():
	p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	p.add_argument("--stockade", default=os.path.join(REPO, "build", "stockade"), help="the stockade binary")
	p.add_argument("--eval-dir", default=DEFAULT_EVAL_DIR,
		help="the evaluation set (expected.jsonl and fixtures); env STOCKADE_EVAL_DIR")
	p.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE (- for stdout, "
		"which then carries only the JSON)")
	p.add_argument("--explained", metavar="DOC", default=None,
		help="markdown whose tables list explained disagreements by fixture path in the first column "
		"(default: docs/audit-eval.md when it exists; '' for none)")
	p.add_argument("--min-agreement", type=float, default=THRESHOLD,
		help="fail below this raw agreement in %% (default %(default)s)")
	p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel stockade runs")
	return p.parse_args()


def load_records(eval_dir):
	records = []
	with open(os.path.join(eval_dir, "expected.jsonl"), encoding="utf-8") as f:
		for n, line in enumerate(f, 1):
			if line.strip():
				rec = json.loads(line)
				rec["_n"] = n
				records.append(rec)
	return records


def run_one(stockade, eval_dir, path):
	"""Audit one fixture; returns (kind, findings, error). Paths stay relative so messages are short."""
	cmd = [stockade, "audit", "--format", "json", "--level", "restricted", "--fail-on", "critical", path]
	try:
		cp = subprocess.run(cmd, cwd=eval_dir, capture_output=True, timeout=60)
	except (OSError, subprocess.TimeoutExpired) as e:
		return None, [], "could not run stockade: %s" % e
	err = None
	if cp.returncode not in (0, 1):
		err = "exit %d: %s" % (cp.returncode, cp.stderr.decode("utf-8", "replace").strip()[:300])
	try:
		doc = json.loads(cp.stdout.decode("utf-8", "replace"))
	except ValueError:
		return None, [], err or "output is not JSON"
	kind = None
	for f in doc.get("files", []):
		kind = f.get("kind", kind)
	findings = [
		{"rule": x["rule"], "line": x.get("line"), "severity": x.get("severity"), "message": x.get("message", ""),
			"container": x.get("container")}
		for x in doc.get("findings", []) if not x.get("suppressed")
	]
	return kind, findings, err


def parse_expect(expect):
	"""Returns (want_fail, lines or None)."""
	if expect == "pass":
		return False, None
	if expect in ("fail", "fail(critical)", "fail(warning)"):
		return True, None
	m = re.fullmatch(r"fail@lines:([\d,]+)", expect)
	if m:
		return True, [int(x) for x in m.group(1).split(",") if x]
	m = re.fullmatch(r"pass:(\d+),fail:(\d+)", expect)
	if m:
		return int(m.group(2)) > 0, None
	m = re.fullmatch(r"count:(\d+)", expect)
	if m:
		return int(m.group(1)) > 0, None
	raise ValueError("unknown expectation %r" % expect)


def judge(rec, result):
	"""Scores one record. Returns a dict with verdict 'agree', 'disagree' or 'not-implemented'."""
	tags = [t for t in rec["practice"] if t in PRACTICE_RULES]
	rules = rules_for(rec)
	out = {"path": rec["path"], "source": rec["source"], "rule": rec["rule"], "expect": rec["expect"],
		"practice": rec["practice"], "implemented": tags if rules else []}
	if not rules:
		out["verdict"] = "not-implemented"
		return out
	kind, findings, err = result
	def matches(f):
		for r in rules:
			rid, _, sev = r.partition(":")
			if f["rule"] == rid and (not sev or f.get("severity") == sev):
				return True
		return False
	rel = [f for f in findings if matches(f)]
	want_fail, lines = parse_expect(rec["expect"])
	fired = bool(rel)
	# The verdict is the file's: does a rule of R fire.  Lines are a second measure: kics
	# points at the key (`cap_add:`), stockade at the item that is wrong (`- ALL`).
	agree = fired == want_fail
	if lines is not None:
		at = {f["line"] for f in rel}
		missing = [n for n in lines if n not in at]
		if fired and missing:
			out["wrong_line"] = True
			out["missing_lines"] = missing
	out.update({"verdict": "agree" if agree and not err else "disagree", "rules": rules, "kind": kind,
		"findings": rel, "parse_errors": [f for f in findings if f["rule"] == "STK000"]})
	if err:
		out["error"] = err
	return out


def load_explained(doc):
	"""Fixture path (first column of a markdown table in doc) -> class (second column: b or c)."""
	paths = {}
	with open(doc, encoding="utf-8") as f:
		for line in f:
			line = line.strip()
			if not line.startswith("|"):
				continue
			cell = line.strip("|").split("|")[0].strip().strip("`").strip()
			if "/" in cell and not cell.startswith("-"):
				cols = line.strip("|").split("|")
				paths[cell] = cols[1].strip() if len(cols) > 1 else "b"
	return paths


def pct(a, n):
	return 100.0 * a / n if n else 0.0


def summarise(scored):
	by_tag = {}
	for s in scored:
		if s["verdict"] == "not-implemented":
			continue
		for t in s["implemented"]:
			row = by_tag.setdefault(t, {"records": 0, "agree": 0, "disagree": 0})
			row["records"] += 1
			row[s["verdict"]] += 1
	for row in by_tag.values():
		row["agreement"] = round(pct(row["agree"], row["records"]), 1)
	impl = [s for s in scored if s["verdict"] != "not-implemented"]
	agree = sum(1 for s in impl if s["verdict"] == "agree")
	dis = [s for s in impl if s["verdict"] == "disagree"]
	not_impl = [s for s in scored if s["verdict"] == "not-implemented"]
	ni_tags = {}
	for s in not_impl:
		for t in s["practice"]:
			ni_tags[t] = ni_tags.get(t, 0) + 1
	return {
		"practices": dict(sorted(by_tag.items())),
		"overall": {"records": len(impl), "agree": agree, "disagree": len(dis),
			"agreement": round(pct(agree, len(impl)), 1),
			"explained": sum(1 for s in dis if s.get("explained")),
			"agreement_with_explained": round(pct(agree + sum(1 for s in dis if s.get("explained")), len(impl)), 1),
			"unexplained": sum(1 for s in dis if not s.get("explained")),
			"quirks": sum(1 for s in dis if s.get("quirk")),
			# the measure the 95% bar applies to: fixtures that are valid inputs for their own rule
			"agreement_valid_fixtures": round(pct(agree, len(impl) - sum(1 for s in dis if s.get("quirk"))), 1),
			"wrong_line": sum(1 for s in impl if s.get("wrong_line"))},
		"not_implemented": {"records": len(not_impl), "practices": dict(sorted(ni_tags.items()))},
		"disagreements": dis,
	}


def said(s):
	if s.get("error"):
		return "stockade failed: " + s["error"]
	parts = ["%s@%s %s" % (f["rule"], f["line"] if f["line"] is not None else "-", f["message"]) for f in s["findings"]]
	parts += ["STK000@%s %s" % (f["line"], f["message"]) for f in s["parse_errors"]]
	return "; ".join(parts) if parts else "nothing"


def print_report(summ, out):
	w = out.write
	w("%-22s %7s %6s %9s %10s\n" % ("practice", "records", "agree", "disagree", "agreement"))
	for tag, row in summ["practices"].items():
		w("%-22s %7d %6d %9d %9.1f%%\n" % (tag, row["records"], row["agree"], row["disagree"], row["agreement"]))
	o = summ["overall"]
	w("%-22s %7d %6d %9d %9.1f%%\n" % ("OVERALL (implemented)", o["records"], o["agree"], o["disagree"], o["agreement"]))
	ni = summ["not_implemented"]
	w("not implemented: %d records (%s)\n" % (ni["records"],
		", ".join("%s %d" % kv for kv in ni["practices"].items()) or "none"))
	w("disagreements: %d (%d explained, %d unexplained); fires, not at the expected line: %d\n" % (
		o["disagree"], o["explained"], o["unexplained"], o["wrong_line"]))
	w("agreement on valid fixtures (the %d fixture quirks of docs/audit-eval.md left out): %.1f%%\n" % (
		o["quirks"], o["agreement_valid_fixtures"]))
	w("agreement counting explained disagreements: %.1f%%\n\n" % o["agreement_with_explained"])
	for s in summ["disagreements"]:
		mark = "explained" if s.get("explained") else "UNEXPLAINED"
		extra = " (fires, not at line %s)" % ",".join(map(str, s["missing_lines"])) if s.get("wrong_line") else ""
		w("[%s] %s (%s)\n  source: %s, rule %s, practice %s\n  expected: %s%s; rules %s\n  stockade: %s\n" % (
			mark, s["path"], s.get("kind") or "?", s["source"], s["rule"], ",".join(s["practice"]), s["expect"],
			extra, ",".join(s["rules"]), said(s)))


def main():
	args = parse_args()
	if not os.path.isfile(os.path.join(args.eval_dir, "expected.jsonl")):
		print("eval_audit: no expected.jsonl in %s (set --eval-dir or STOCKADE_EVAL_DIR)" % args.eval_dir,
			file=sys.stderr)
		return 2
	stockade = os.path.abspath(args.stockade)
	if not os.access(stockade, os.X_OK):
		print("eval_audit: %s is not an executable (build it with `make`)" % stockade, file=sys.stderr)
		return 2
	explained_doc = args.explained
	if explained_doc is None:
		explained_doc = DEFAULT_EXPLAINED if os.path.isfile(DEFAULT_EXPLAINED) else ""
	explained = load_explained(explained_doc) if explained_doc else {}

	records = load_records(args.eval_dir)
	paths = sorted({r["path"] for r in records})
	with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
		results = dict(zip(paths, pool.map(lambda p: run_one(stockade, args.eval_dir, p), paths)))
	broken = [p for p, r in results.items() if r[2] and r[2].startswith("could not run")]
	if broken:
		print("eval_audit: %s" % results[broken[0]][2], file=sys.stderr)
		return 2

	scored = [judge(r, results[r["path"]]) for r in records]
	for s in scored:
		if s["verdict"] == "disagree" and s["path"] in explained:
			s["explained"] = True
			s["quirk"] = explained[s["path"]] == "c"
	summ = summarise(scored)
	summ["explained_doc"] = explained_doc or None
	summ["threshold"] = args.min_agreement

	if args.json == "-":
		json.dump(summ, sys.stdout, indent=2)
		sys.stdout.write("\n")
	else:
		print_report(summ, sys.stdout)
		if args.json:
			with open(args.json, "w", encoding="utf-8") as f:
				json.dump(summ, f, indent=2)
				f.write("\n")
	o = summ["overall"]
	ok = o["unexplained"] == 0 and o["agreement_valid_fixtures"] >= args.min_agreement
	if args.json != "-":
		print("\neval_audit: %s (%d unexplained disagreements; agreement %.1f%% raw, %.1f%% on valid fixtures, need >= %.0f%%)" % (
			"PASS" if ok else "FAIL", o["unexplained"], o["agreement"], o["agreement_valid_fixtures"], args.min_agreement))
	return 0 if ok else 1


if __name__ == "__main__":
	sys.exit(main())
