"""Schemathesis hooks for the hotline suite (loaded through `hooks` in schemathesis.toml).

Two jobs, both in `before_call`, just before a request goes out:

1. Keep the server's own calls on this machine. Webhooks, federation peers and remote orgs make
   the server call the URL in the body: a peer is probed at once, webhooks and remote orgs get
   deliveries from the background worker. A fuzzer invents URLs, so every URL field that
   mentions http is pointed at a closed local port (127.0.0.1:9, discard) first. Values without
   http in them are left alone: they test the server's validation, which never lets them through.

2. Reach past the 404s. A random UUID names nothing, so without help every `/tickets/{id}`,
   `/orgs/{id}`, … request stops at "not found" and the documented 200 answers are never
   checked. suite.py lists the ids the role can see before its run (HOTLINE_ST_IDS, a JSON file
   of pools: tickets, orgs, users, categories, …); here most well-formed UUIDs in path
   parameters, query parameters and body fields with a known meaning are swapped for one of
   those. Malformed values stay as generated, so invalid input is still tested.
"""

from __future__ import annotations

import json
import os
import random
import re
from typing import Any

import schemathesis

# No path: federation wants a bare base URL (http(s)://host[:port]), webhooks take it as well.
SINK = "http://127.0.0.1:9"
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# How often a well-formed UUID is replaced by a real one.
SWAP = 0.8

# Which pool an `{id}` in a path names, by the path's first segment after /api/v1/.
PATH_POOLS = {
    "tickets": "tickets",
    "orgs": "orgs",
    "users": "users",
    "categories": "categories",
    "sla-policies": "sla_policies",
    "routing-rules": "routing_rules",
    "webhooks": "webhooks",
    "api-tokens": "api_tokens",
    "federation": "peers",
}
# Which pool a named field or query parameter draws from, wherever it appears.
FIELD_POOLS = {
    "category_id": "categories",
    "org_id": "orgs",
    "region_org_id": "orgs",
    "subtree_of": "orgs",
    "assist_org_ids": "orgs",
    "ticket_ids": "tickets",
    "master_id": "tickets",
    "actor_id": "users",
    "delivery_id": "deliveries",
}

_pools: dict[str, list[str]] | None = None
# Seeded from the run's seed (suite.py), so a run's swaps repeat with its seed.
_rng = random.Random(os.environ.get("HOTLINE_ST_SEED_RUN"))


def pools() -> dict[str, list[str]]:
    global _pools
    if _pools is None:
        path = os.environ.get("HOTLINE_ST_IDS")
        _pools = json.loads(open(path, encoding="utf-8").read()) if path else {}
    return _pools


def _real(pool: str | None, value: Any) -> Any:
    ids = pools().get(pool or "", [])
    if not ids or not isinstance(value, str) or not UUID.match(value) or _rng.random() > SWAP:
        return value
    return _rng.choice(ids)


def _path_pool(path: str, name: str) -> str | None:
    if name in FIELD_POOLS:
        return FIELD_POOLS[name]
    if name != "id":
        return None
    first = path.removeprefix("/api/v1/").split("/", 1)[0]
    # `parent_id` of an org is an org, of a category a category: the path says which.
    return PATH_POOLS.get(first)


def _tame(value: Any, path: str, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _tame(v, path, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_tame(item, path, key) for item in value]
    if isinstance(key, str) and "url" in key.lower() and isinstance(value, str):
        # The server trims (Unicode whitespace) before it checks for http:// or https://
        # (webhooks::check_url, federation::base_url); replacing every value that mentions
        # http anywhere is wider than that on purpose.
        return SINK if "http" in value.lower() else value
    if key == "parent_id":
        return _real("categories" if path.startswith("/api/v1/categories") else "orgs", value)
    if key in FIELD_POOLS:
        return _real(FIELD_POOLS[key], value)
    return value


def _key_ok(value: Any) -> bool:
    # tickets::checked_key: 1 to 128 printable ASCII characters once trimmed.
    key = value.strip() if isinstance(value, str) else ""
    return 0 < len(key) <= 128 and all("!" <= c <= "~" for c in key)


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    path = case.operation.path
    # The document does not state the Idempotency-Key format yet (any string or null), so most
    # generated keys are refused before the body is even looked at. Half of them are replaced by
    # a valid key so that intake and actions get tested at all; the other half still test the
    # refusal.
    headers = case.headers or {}
    for name in [n for n in headers if n.lower() == "idempotency-key"]:
        if not _key_ok(headers[name]) and _rng.random() < 0.5:
            headers[name] = f"st-{_rng.getrandbits(64):016x}"
    body = getattr(case, "body", None)
    if isinstance(body, (dict, list)):
        case.body = _tame(body, path)
    if case.query:
        case.query = _tame(dict(case.query), path)
    if case.path_parameters:
        swapped = {}
        for name, value in case.path_parameters.items():
            swapped[name] = _real(_path_pool(path, name), value)
        # An admin moving itself to another org ends its own session (users::update_user), and
        # the rest of its run would test nothing: never aim a user operation at oneself. (Ids
        # seen in answers, which schemathesis reuses, can name oneself too.)
        own = set(pools().get("self", []))
        if own and path.startswith("/api/v1/users/{id}") and swapped.get("id") in own:
            others = [i for i in pools().get("users", []) if i not in own]
            swapped["id"] = _rng.choice(others) if others else "00000000-0000-0000-0000-000000000000"
        case.path_parameters = swapped
