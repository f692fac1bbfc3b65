"""Runs schemathesis against a running `hotline demo` once per role and sums the findings up.

Usage: python suite.py BASE_URL REPORT_DIR   (tests/schemathesis/run starts the server first)

Every role signs in before any fuzzing starts, so one role's run cannot lock or change another
role's account first. Each run is bounded twice: schemathesis stops after HOTLINE_ST_MAX_EXAMPLES
cases per operation and phase, and the driver interrupts it after HOTLINE_ST_ROLE_SECONDS.
A run cut by the time limit is reported, not failed: it tested less, nothing was wrong.

The summary counts one distinct failure per check and schema location (or operation, for
checks without a schema), however many operations, roles and values show it, with the values
seen and one reproducing curl (credentials as $SESSION / $TOKEN); the closing line counts
role × operation pairs. The exit status is 1 when anything failed or a run broke.

Environment (all optional):
  HOTLINE_ST_ROLES         roles to run, in order (default: every role below)
  HOTLINE_ST_MAX_EXAMPLES  cases per operation and phase (default 20)
  HOTLINE_ST_ROLE_SECONDS  wall clock per role (default 45)
  HOTLINE_ST_SEED          schemathesis seed (default: a fresh one per run, printed)
  HOTLINE_ST_STRICT        1: also run positive_data_acceptance and negative_data_rejection,
                           which find constraints the document does not state (noisy)
  HOTLINE_ST_CHECKS        the checks to run instead (schemathesis --checks), e.g. all
  HOTLINE_ST_VERBOSE       1: show schemathesis' own output as it runs
  HOTLINE_ST_SCHEMA        a document file to test the server against instead of its own
                           /api/openapi.json (e.g. a candidate fix, or an older snapshot)
"""

from __future__ import annotations

import base64
import json
import os
import random
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
PASSWORD = "Demo@12345"

# (name, how it authenticates, why it is here). Admin goes last: with real ids it deactivates
# users, resets their passwords, revokes tokens and edits the calendar and SLA, which would
# otherwise sign the later roles out or change what they see half way.
ROLES = [
    ("agent", "session", "city center intake: tickets, callers, categories, deadlines"),
    ("dispatcher", "session", "city center dispatch desk: work lists, batch assign, actions"),
    ("supervisor", "session", "city center floor lead: urge, review, callback, user lists"),
    ("street_a1", "session", "unit handler in a street office: own subtree only"),
    ("district_a_token", "token", "API token (Bearer hlt_...) of 东城区 with the unit_handler role"),
    ("auditor", "session", "the audit trail and its verification"),
    ("admin", "session", "orgs, users, tokens, webhooks, federation, calendar, SLA, routing"),
]


def request(base, method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Origin", base)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def sign_in(base, username):
    status, headers, body = request(
        base, "POST", "/api/v1/auth/login", {"username": username, "password": PASSWORD}
    )
    if status != 200:
        sys.exit(f"schemathesis suite: cannot sign in as {username}: {status} {body[:300]!r}")
    for cookie in headers.get_all("Set-Cookie") or []:
        match = re.match(r"\s*hotline_session=([^;]+)", cookie)
        if match:
            me = json.loads(body)
            if me.get("restriction"):
                sys.exit(f"schemathesis suite: {username} is restricted: {me['restriction']}")
            return {"Cookie": f"hotline_session={match.group(1)}"}, me
    sys.exit(f"schemathesis suite: signing in as {username} set no session cookie")


def create_token(base, manager_auth, org_id):
    """An OA-style token: a unit manager issues it for the unit, with the handler's role."""
    status, _, body = request(
        base,
        "POST",
        "/api/v1/api-tokens",
        {"name": "schemathesis", "org_id": org_id, "roles": ["unit_handler"]},
        manager_auth,
    )
    if status != 201:
        sys.exit(f"schemathesis suite: cannot create an API token: {status} {body[:300]!r}")
    return {"Authorization": f"Bearer {json.loads(body)['secret']}"}


def create_webhook(base, admin_auth, org_id):
    """A subscription of 东城区 to every ticket event, so deliveries exist to list and redeliver.

    Its URL is a closed local port: every delivery fails and is retried, nothing leaves.
    """
    status, _, body = request(
        base, "POST", "/api/v1/webhooks",
        {"name": "schemathesis", "org_id": org_id, "url": "http://127.0.0.1:9",
         "event_types": ["ticket.*"]},
        admin_auth,
    )
    if status != 201:
        sys.exit(f"schemathesis suite: cannot create a webhook: {status} {body[:300]!r}")


# Where the ids of each pool are listed (see hooks.py).
LISTS = {
    "tickets": "/api/v1/tickets?per_page=200",
    "orgs": "/api/v1/orgs?per_page=200",
    "users": "/api/v1/users?per_page=200",
    "categories": "/api/v1/categories?include_inactive=true",
    "sla_policies": "/api/v1/sla-policies",
    "routing_rules": "/api/v1/routing-rules",
    "webhooks": "/api/v1/webhooks",
    "api_tokens": "/api/v1/api-tokens?per_page=200",
    "peers": "/api/v1/federation/peers",
}


def ids_in(value):
    """Every `id` of the listed objects, children (the category tree) included."""
    if isinstance(value, dict):
        if "items" in value and isinstance(value["items"], list):
            return ids_in(value["items"])
        found = [value["id"]] if isinstance(value.get("id"), str) else []
        return found + ids_in(value.get("children") or [])
    if isinstance(value, list):
        return [i for item in value for i in ids_in(item)]
    return []


def gather_ids(base, auth):
    """The ids this role can list, per pool; an empty pool where it may not list them."""
    found = {}
    for pool, path in LISTS.items():
        status, _, body = request(base, "GET", path, headers=auth)
        found[pool] = ids_in(json.loads(body)) if status == 200 else []
    deliveries = []
    for webhook in found["webhooks"]:
        status, _, body = request(
            base, "GET", f"/api/v1/webhooks/{webhook}/deliveries?per_page=200", headers=auth
        )
        if status == 200:
            deliveries += ids_in(json.loads(body))
    found["deliveries"] = deliveries
    status, _, body = request(base, "GET", "/api/v1/me", headers=auth)
    found["self"] = [json.loads(body)["user"]["id"]] if status == 200 else []
    return found


def still_signed_in(base, auth):
    # A session answers /me; a token has no session, but every role may read the counts.
    path = "/api/v1/me" if "Cookie" in auth else "/api/v1/tickets/counts"
    status, _, _ = request(base, "GET", path, headers=auth)
    return status == 200


def run_role(base, reports, role, auth, seed, fallback_ids):
    budget = int(os.environ.get("HOTLINE_ST_ROLE_SECONDS", "45"))
    examples = os.environ.get("HOTLINE_ST_MAX_EXAMPLES", "20")
    json_report = reports / f"{role}.json"
    ndjson_report = reports / f"{role}.ndjson"
    log = reports / f"{role}.log"
    cmd = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file", str(HERE / "schemathesis.toml"),
        "run", os.environ.get("HOTLINE_ST_SCHEMA") or f"{base}/api/openapi.json",
        "--url", base,
        "--header", f"Origin: {base}",
        "--max-examples", examples,
        "--seed", str(seed),
        "--report", "json,ndjson",
        "--report-json-path", str(json_report),
        "--report-ndjson-path", str(ndjson_report),
        "--no-color",
    ]
    checks = os.environ.get("HOTLINE_ST_CHECKS")
    if not checks and os.environ.get("HOTLINE_ST_STRICT") == "1":
        checks = ("not_a_server_error,response_schema_conformance,status_code_conformance,"
                  "content_type_conformance,positive_data_acceptance,negative_data_rejection")
    if checks:
        cmd += ["--checks", checks]
    shown = [*cmd]  # the printed command line: credentials stand in as a variable
    for name, value in auth.items():
        cmd += ["--header", f"{name}: {value}"]
        shown += ["--header", f"{name}: ${{{role.upper()}_{name.upper()}}}"]
    # Ids gathered now, after the roles before this one have changed things. A pool this role
    # may not list borrows every role's: those requests then test the refusal.
    ids = gather_ids(base, auth)
    for pool, values in fallback_ids.items():
        if pool != "self" and not ids.get(pool):
            ids[pool] = values
    ids_file = reports / f"{role}.ids.json"
    ids_file.write_text(json.dumps(ids))
    env = {**os.environ, "PYTHONPATH": str(HERE), "HOTLINE_ST_IDS": str(ids_file),
           "HOTLINE_ST_SEED_RUN": str(seed)}
    print(f"== {role}: {shlex.join(shown)}", flush=True)
    started = time.monotonic()
    verbose = os.environ.get("HOTLINE_ST_VERBOSE") == "1"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            cmd, env=env, stdout=None if verbose else out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        timed_out = False
        try:
            proc.wait(timeout=budget)
        except subprocess.TimeoutExpired:
            # SIGINT lets schemathesis finish its reports with what it has.
            timed_out = True
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    took = time.monotonic() - started
    report = json.loads(json_report.read_text()) if json_report.exists() else None
    return {
        "role": role, "exit": proc.returncode, "timed_out": timed_out, "seconds": took,
        "report": report, "ndjson": ndjson_report, "log": log,
        "signed_in_after": still_signed_in(base, auth),
    }


def failures_of(ndjson, role):
    """One entry per failed check of every scenario: operation, check, title, message, curl."""
    found = []
    if not ndjson.exists():
        return found
    for line in ndjson.read_text().splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished.get("recorder") or {}
        cases = recorder.get("cases") or {}
        interactions = recorder.get("interactions") or {}
        for case_id, checks in (recorder.get("checks") or {}).items():
            for check in checks:
                if str(check.get("status")).lower() != "failure":
                    continue
                failure = ((check.get("failure_info") or {}).get("failure")) or {}
                case = (cases.get(case_id) or {}).get("value") or {}
                interaction = interactions.get(case_id) or {}
                response = interaction.get("response") or {}
                found.append({
                    "role": role,
                    # The scenario's operation; the coverage phase also sends other methods.
                    "operation": recorder.get("label")
                    or f"{case.get('method', '?')} {case.get('path', '?')}",
                    "check": check.get("name"),
                    "title": failure.get("title") or "",
                    "message": failure.get("message") or "",
                    "curl": curl_of(interaction.get("request") or {}),
                    "status": response.get("status_code"),
                    "answer": decoded(response.get("content")) or "",
                })
    return found


def decoded(payload):
    """A recorded body: {"$base64": ...} or plain text."""
    if isinstance(payload, dict) and "$base64" in payload:
        try:
            return base64.b64decode(payload["$base64"]).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
    return payload if isinstance(payload, str) else None


def curl_of(req):
    if not req:
        return ""
    parts = ["curl", "-X", req.get("method", "GET")]
    for name, values in (req.get("headers") or {}).items():
        if name.lower() in {"user-agent", "accept-encoding", "accept", "connection", "content-length",
                            "x-schemathesis-testcaseid"}:
            continue
        for value in values if isinstance(values, list) else [values]:
            if name.lower() == "cookie":
                value = "hotline_session=$SESSION"
            elif name.lower() == "authorization":
                value = "Bearer $TOKEN"
            parts += ["-H", f"{name}: {value}"]
    body = decoded(req.get("body"))
    if body is not None:
        parts += ["-d", body]
    parts.append(req.get("uri", ""))
    return shlex.join(parts)


def first_line(text, limit=160):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def where(failure):
    """What a failure is about: the schema location for schema violations, else the operation."""
    match = re.search(r"Schema at (\S+?):", failure["message"])
    if match:
        return f"schema {match.group(1)}"
    return failure["operation"]


def summarize(results, reports):
    print("\n== schemathesis summary")
    failed_runs = 0
    groups = defaultdict(list)
    for res in results:
        report = res["report"] or {}
        ops = report.get("operations") or {}
        cases = report.get("test_cases") or {}
        state = "cut at the time limit" if res["timed_out"] else report.get("stop_reason", "no report")
        errors = sum(e.get("count", 0) for e in report.get("errors") or [])
        print(f"{res['role']:>17}: {ops.get('tested', 0)}/{ops.get('selected', 0)} operations, "
              f"{cases.get('generated', 0)} cases, {cases.get('with_failures', 0)} failing, "
              f"{errors} errors, {res['seconds']:.0f}s, {state}"
              + ("" if res["signed_in_after"] else "; signed out by its own requests"))
        for err in report.get("errors") or []:
            print(f"{'':>19}error: {first_line(err.get('title', ''))} ×{err.get('count')}")
        if res["report"] is None or errors or res["exit"] not in (0, 1, -signal.SIGINT, 130):
            failed_runs += 1
        for f in failures_of(res["ndjson"], res["role"]):
            groups[(f["check"], f["title"], where(f))].append(f)
    # Distinct findings: one per check and schema location (or operation), however many
    # operations, roles and values show it.
    print(f"\n{len(groups)} distinct failures (details: {reports}/<role>.log)")
    for (check, title, about), items in sorted(groups.items()):
        operations = sorted({i["operation"] for i in items})
        roles = sorted({i["role"] for i in items})
        values = sorted({first_line(i["message"].split("\n\n")[0], 120) for i in items})
        print(f"\n[{check}] {title}: {about}  (×{len(items)})")
        print(f"  operations: {', '.join(operations)}")
        print(f"  roles: {', '.join(roles)}")
        for value in values[:4]:
            print(f"  - {value}")
        if len(values) > 4:
            print(f"  - … {len(values) - 4} more")
        shortest = min(items, key=lambda i: len(i["curl"]))
        print(f"  {shortest['curl']}")
        print(f"  -> {shortest['status']} {first_line(shortest['answer'], 240)}")
    tested = sum(((r["report"] or {}).get("operations") or {}).get("tested", 0) for r in results)
    failing_pairs = {(f["role"], f["operation"]) for items in groups.values() for f in items}
    failed = len(failing_pairs) + failed_runs
    # The closing line CI reads: role × operation pairs (and broken runs).
    print(f"\nschemathesis: {max(tested - len(failing_pairs), 0)} passed, {failed} failed")
    return 1 if failed else 0


def main():
    base, reports = sys.argv[1].rstrip("/"), Path(sys.argv[2])
    reports.mkdir(parents=True, exist_ok=True)
    wanted = os.environ.get("HOTLINE_ST_ROLES", "").split() or [name for name, _, _ in ROLES]
    unknown = set(wanted) - {name for name, _, _ in ROLES}
    if unknown:
        sys.exit(f"schemathesis suite: unknown roles {sorted(unknown)}; known: {[r[0] for r in ROLES]}")
    auths = {}
    for name, kind, _ in ROLES:
        if name in wanted and kind == "session":
            auths[name], _ = sign_in(base, name)
    manager, me = sign_in(base, "district_a_manager")
    if "district_a_token" in wanted:
        auths["district_a_token"] = create_token(base, manager, me["org"]["id"])
    admin = auths.get("admin") or sign_in(base, "admin")[0]
    create_webhook(base, admin, me["org"]["id"])
    # Every role's ids, for the pools a role cannot list itself (see run_role).
    fallback_ids = defaultdict(list)
    for auth in [admin, manager, *auths.values()]:
        for pool, values in gather_ids(base, auth).items():
            fallback_ids[pool] = sorted(set(fallback_ids[pool]) | set(values))
    seed = os.environ.get("HOTLINE_ST_SEED")
    results = []
    for name, _, why in ROLES:
        if name not in wanted:
            continue
        run_seed = int(seed) if seed else random.randrange(2**31)
        print(f"-- {name} ({why}), seed {run_seed}", flush=True)
        results.append(run_role(base, reports, name, auths[name], run_seed, fallback_ids))
    sys.exit(summarize(results, reports))


if __name__ == "__main__":
    main()
