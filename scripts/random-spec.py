#!/usr/bin/env python3
"""Prints one random, VALID Baton spec (format 1, spec-v1 §1–§9) for a seed.

    python3 scripts/random-spec.py --seed N [--name Name]

The same seed always prints the same bytes: every choice comes from one `random.Random(seed)`
(style choices from a second one derived from the seed), and nothing iterates over sets or
depends on hash order. The spec is meant to lint clean with `baton lint --strict` (no errors,
no warnings); a spec that does not is a bug in this script (scripts/check-random-specs says so).

What it builds, with randomness in which features appear and how they combine:
- types: shorthand and long-form records, enums, every scalar, arrays, `[string: T]`
  dictionaries, optionals, nested records, records recursive through an optional, an array, a
  dictionary or each other (A -> B? -> A), and records holding those; inline input/output field
  mappings on operations and workflows;
- policies, named and inline, at service, operation and step level, `none` to switch inherited
  ones off: retry (every jitter, retryOn, budget and `budget: none`), circuitBreaker (rate and
  consecutive, slowCall, scope), rateLimit, bulkhead, hedge (durations and percentiles), cache,
  timeouts;
- services with and without endpoints (regions, weights, roles, variants), routing strategies,
  outlier detection and rules (some of them active in the healthy state);
- operations: reads and writes, idempotency keys, invalidations, caches on reads;
- 2-6 services (fewer when a small spec leaves one uncalled: it is left out) and 1-3 workflows
  of 1-7 steps (7 at most per spec, which keeps the generated Swift at about 1,000 lines with
  its tests and mocks): deadlines that fit every retry, admission, `with` mappings
  (references, list projections, literals, nested record literals, `$$` strings), `after`,
  `optional`, `when` in all its forms, fallbacks (value, call, stale), compensations,
  `mode: async`, step overrides, and results that put optional steps into optional fields.

Only the standard library is used.
"""

import argparse
import json
import random
import re
import sys

# ---------------------------------------------------------------------------------------------
# Vocabularies. Names are chosen so that generated names cannot clash: type nouns never end in
# Input/Output/Service/Orchestrator/CacheKey/AdmissionClass, services are single words that are
# not workflow names, and nothing is a Swift keyword, a Foundation or Swift standard type, or a
# name the checker reserves.

TYPE_NOUNS = [
    "Parcel", "Voucher", "Invoice", "Zone", "Slot", "Badge", "Route", "Stop", "Shelf", "Crate",
    "Pallet", "Lane", "Depot", "Tariff", "Coupon", "Receipt", "Ticket", "Leaf", "Branch", "Venue",
    "Courier", "Basket", "Folio", "Ledger", "Quote", "Offer", "Review", "Seat", "Cabin", "Fleet",
    "Harbor", "Meter", "Outlet", "Permit", "Rebate", "Sample", "Tenant", "Batch", "Cargo", "Dock",
]
ENUM_NOUNS = ["Grade", "Tier", "Phase", "Channel", "Shade", "Speed", "Urgency", "Mood", "Stage", "Flavor"]
ENUM_CASES = [
    "alpha", "beta", "gamma", "delta", "low", "medium", "high", "express", "standard", "economy",
    "red", "green", "blue", "open", "closed", "paused", "draft", "done", "inStock", "outOfStock",
    "north", "south", "east", "west", "small", "large",
]
RECURSIVE_NAMES = [
    ("Location", "within"), ("Category", "parent"), ("Outline", "next"), ("Thread", "reply"),
]
TREE_NAMES = [("TreeNode", "children"), ("Folder", "subfolders"), ("Topic", "subtopics")]
MUTUAL_NAMES = [("Person", "Team", "manager", "lead"), ("Author", "Book", "latest", "writer")]
SERVICE_NAMES = [
    "cart", "pricing", "inventory", "payments", "mail", "ledger", "shipping", "search", "profile",
    "audit", "geo", "fraud", "catalog", "billing", "loyalty", "tax", "media", "rates", "stock",
    "warehouse",
]
READ_VERBS = ["get", "fetch", "lookup", "quote", "check", "list", "score", "estimate", "resolve", "find"]
WRITE_VERBS = ["reserve", "charge", "book", "submit", "record", "sync", "place", "assign", "post", "hold"]
UNDO_VERBS = ["release", "refund", "cancel", "revert", "undo", "void"]
OP_NOUNS = ["Item", "Order", "Price", "Slot", "Route", "Rate", "Entry", "Stock", "Score", "Plan", "Seat", "Fee"]
WORKFLOW_NAMES = [
    "checkout", "restock", "onboard", "dispatch", "settle", "renew", "transfer", "review",
    "enroll", "reconcile", "publish", "archive",
]
FIELD_NAMES = [
    "id", "name", "sku", "region", "amount", "total", "count", "note", "code", "label", "score",
    "level", "active", "urgent", "tags", "items", "owner", "city", "price", "weight", "rank",
    "placedAt", "dueAt", "token", "ref", "quantity", "discount", "limit", "ratio", "email",
    "zoneId", "orderId", "userId", "batchId", "kind", "status", "origin", "target", "extra", "meta",
]
STEP_SUFFIXES = ["", "Step", "Call", "Again", "Two", "Three", "Four", "Five"]
POLICY_NAMES = [
    "standard", "quick", "patient", "reads", "writes", "tail", "short", "long", "edge", "core",
    "gentle", "strict", "burst", "steady", "partner",
]
REGIONS = ["eu-west", "us-east", "ap-south", "eu-central"]
VARIANTS = ["lite", "canary", "flat", "legacy"]
CLASS_NAMES = ["interactive", "batch", "background", "partner"]
WORDS = ["alpha", "sample", "eu-west", "basic", "fast lane", "hello world", "north", "x1", "gift", "note"]
DATES = ["2024-05-01T12:00:00Z", "2025-01-31T23:59:59Z", "2023-07-04T08:30:00.5+02:00"]
UUIDS = ["123e4567-e89b-12d3-a456-426614174000", "9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"]
SCALARS = ["string", "int", "double", "bool", "decimal", "date", "uuid"]
ERROR_CLASSES = ["timeout", "unavailable", "overloaded", "transient", "permanent", "unknown"]


# ---------------------------------------------------------------------------------------------
# Types: "string" … "uuid" are scalars; ("named", N), ("arr", T), ("dict", T), ("opt", T).

def opt(t):
    return t if is_opt(t) else ("opt", t)


def is_opt(t):
    return isinstance(t, tuple) and t[0] == "opt"


def unwrap(t):
    return t[1] if is_opt(t) else t


def type_text(t):
    if isinstance(t, str):
        return t
    k = t[0]
    if k == "named":
        return t[1]
    if k == "arr":
        return "[" + type_text(t[1]) + "]"
    if k == "dict":
        return "[string: " + type_text(t[1]) + "]"
    return type_text(t[1]) + "?"


def assignable(src, tgt):
    """`T` fills `T?`; lists and dictionaries are covariant in that (checker's `assignable`)."""
    if src == tgt:
        return True
    if is_opt(src) and is_opt(tgt):
        return assignable(src[1], tgt[1])
    if is_opt(tgt):
        return assignable(src, tgt[1])
    if isinstance(src, tuple) and isinstance(tgt, tuple) and src[0] == tgt[0] and src[0] in ("arr", "dict"):
        return assignable(src[1], tgt[1])
    return False


def named_cores(t):
    if isinstance(t, str):
        return []
    if t[0] == "named":
        return [t[1]]
    return named_cores(t[1])


# ---------------------------------------------------------------------------------------------
# YAML emission. Values: dict (ordered), list, bool, int, Plain (written as is), Q (always
# quoted), str (plain when that is safe, else double-quoted), Flow/Block (force a style).

class Plain(str):
    pass


class Q(str):
    pass


class Flow:
    def __init__(self, v):
        self.v = v


class Block:
    def __init__(self, v):
        self.v = v


RESERVED_PLAIN = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~", ""}
SAFE_PLAIN = re.compile(r"^[A-Za-z_$][A-Za-z0-9_.$-]*$")


def scalar_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if v is None:
        return "null"
    if isinstance(v, Plain):
        return str(v)
    if isinstance(v, Q):
        return json.dumps(str(v))
    if SAFE_PLAIN.match(v) and v.lower() not in RESERVED_PLAIN:
        return v
    return json.dumps(v)


def is_scalar(v):
    return not isinstance(v, (dict, list, Flow, Block))


def flow_text(v):
    if isinstance(v, (Flow, Block)):
        v = v.v
    if isinstance(v, dict):
        if not v:
            return "{}"
        return "{ " + ", ".join(k + ": " + flow_text(x) for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(flow_text(x) for x in v) + "]"
    return scalar_text(v)


class Emitter:
    def __init__(self, style_rng):
        self.style = style_rng
        self.lines = []

    def want_flow(self, v, indent, key):
        if isinstance(v, Flow):
            return True
        if isinstance(v, Block):
            return False
        text = flow_text(v)
        if len(text) + indent + len(key) > 100:
            return False
        if isinstance(v, (dict, list)) and not v:
            return True
        return self.style.random() < 0.7

    def mapping(self, d, indent):
        pad = " " * indent
        for k, v in d.items():
            if v is None:
                continue
            if isinstance(v, str) and k == "description" and len(v) > 60 and self.style.random() < 0.5:
                # A folded block scalar, as the example specs write long descriptions.
                self.lines.append(pad + k + ": >")
                self.lines.append(pad + "  " + v)
                continue
            if is_scalar(v):
                self.lines.append(pad + k + ": " + scalar_text(v))
            elif self.want_flow(v, indent, k):
                self.lines.append(pad + k + ": " + flow_text(v))
            else:
                inner = v.v if isinstance(v, (Flow, Block)) else v
                if isinstance(inner, dict) and not inner:
                    self.lines.append(pad + k + ": {}")
                elif isinstance(inner, list) and not inner:
                    self.lines.append(pad + k + ": []")
                elif isinstance(inner, dict):
                    self.lines.append(pad + k + ":")
                    self.mapping(inner, indent + 2)
                else:
                    self.lines.append(pad + k + ":")
                    self.sequence(inner, indent + 2)

    def sequence(self, items, indent):
        pad = " " * indent
        for v in items:
            if is_scalar(v):
                self.lines.append(pad + "- " + scalar_text(v))
            elif self.want_flow(v, indent, "- "):
                self.lines.append(pad + "- " + flow_text(v))
            else:
                inner = v.v if isinstance(v, (Flow, Block)) else v
                if isinstance(inner, dict) and inner:
                    # First entry on the dash line, the rest aligned under it.
                    sub = Emitter(self.style)
                    sub.mapping(inner, indent + 2)
                    first = sub.lines[0]
                    self.lines.append(pad + "- " + first[indent + 2:])
                    self.lines.extend(sub.lines[1:])
                else:
                    self.lines.append(pad + "- " + flow_text(inner))


# ---------------------------------------------------------------------------------------------
# Durations and policy arithmetic (milliseconds).

def dur(ms):
    """A duration literal for a whole number of milliseconds, in varied spellings."""
    if ms % 60000 == 0 and ms >= 60000:
        return Plain("%dm" % (ms // 60000))
    if ms > 60000:
        return Plain("%dm%ds" % (ms // 60000, (ms % 60000 + 999) // 1000))
    if ms % 1000 == 0:
        return Plain("%ds" % (ms // 1000))
    if ms > 1000 and ms % 100 == 0:
        return Plain("%gs" % (ms / 1000.0))
    return Plain("%dms" % ms)


DEFAULT_RETRY = {"attempts": 3, "backoff_max": 1000}


class Policy:
    """An effective policy value with the numbers the budget needs (retry only)."""

    def __init__(self, body, attempts=1, backoff_max=0):
        self.body = body
        self.attempts = attempts
        self.backoff_max = backoff_max


# ---------------------------------------------------------------------------------------------


class Spec:
    def __init__(self, seed, name):
        self.r = random.Random(seed)
        self.style = random.Random(seed * 7919 + 17)
        self.name = name
        self.types = {}          # name -> {"kind": "enum"|"record", ...}
        self.type_order = []
        self.all_type_names = set()
        self.policies = {s: {} for s in ["retries", "circuitBreakers", "rateLimits", "bulkheads", "hedges", "caches"]}
        self.policy_values = {}  # (section, name) -> Policy
        self.services = {}
        self.service_order = []
        self.workflows = []
        self.used_names = set()
        # Recursive record families this spec may still create (most specs have none).
        self.recursion_budget = self.r.choice([0, 0, 0, 1, 1, 2])
        self.recursive_tops = []

    # -- names -------------------------------------------------------------------------------

    def fresh(self, pool, taken, suffixes=("", "2", "3", "4", "5", "6", "7", "8", "9")):
        base = list(pool)
        self.r.shuffle(base)
        for suffix in suffixes:
            for b in base:
                if b + suffix not in taken:
                    return b + suffix
        raise RuntimeError("names exhausted")

    def type_name(self, pool):
        n = self.fresh(pool, self.all_type_names)
        self.all_type_names.add(n)
        return n

    # -- types -------------------------------------------------------------------------------

    def inline_type(self, name, fields):
        """Registers the generated name of an inline mapping; None when it would clash."""
        if name in self.all_type_names:
            return None
        self.all_type_names.add(name)
        self.types[name] = {"kind": "record", "fields": fields, "inline": True}
        return name

    def add_type(self, name, body):
        self.types[name] = body
        self.type_order.append(name)

    def new_enum(self):
        name = self.type_name(ENUM_NOUNS)
        cases = self.r.sample(ENUM_CASES, self.r.randint(2, 4))
        self.add_type(name, {"kind": "enum", "cases": cases,
                             "description": self.maybe_text(0.3, "The %s of a thing." % name.lower())})
        return name

    def enums(self):
        return [n for n in self.type_order if self.types[n]["kind"] == "enum"]

    def records(self):
        return [n for n in self.type_order if self.types[n]["kind"] == "record" and not self.types[n].get("inline")]

    def maybe_text(self, p, text):
        return text if self.r.random() < p else None

    def scalar(self):
        return self.r.choice(SCALARS)

    def random_type(self, depth=0, allow_opt=True):
        x = self.r.random()
        if x < 0.55 or depth >= 3:
            t = self.scalar()
        elif x < 0.63:
            t = ("named", self.pick_enum())
        elif x < 0.74:
            t = ("named", self.pick_record(depth + 1))
        elif x < 0.83:
            t = ("arr", self.random_type(depth + 1, allow_opt=False))
        elif x < 0.87:
            t = ("dict", self.random_type(depth + 1, allow_opt=False))
        elif x < 0.93:
            rec = self.recursive_type()
            t = ("named", rec) if rec else self.scalar()
        else:
            t = self.random_type(depth + 1, allow_opt=False)
            if allow_opt:
                return opt(t)
            return t
        if allow_opt and self.r.random() < 0.12:
            return opt(t)
        return t

    def recursive_type(self):
        """A recursive family (new while the spec's budget lasts), or one made before."""
        if self.recursion_budget > 0:
            self.recursion_budget -= 1
            top = self.new_recursive_family()
            self.recursive_tops.append(top)
            return top
        if self.recursive_tops:
            return self.r.choice(self.recursive_tops)
        return None

    def pick_enum(self):
        es = self.enums()
        if es and (self.r.random() < 0.6 or len(es) >= 3):
            return self.r.choice(es)
        return self.new_enum()

    def pick_record(self, depth):
        rs = [n for n in self.records() if not self.types[n].get("recursive")]
        if rs and (self.r.random() < 0.55 or len(rs) >= 6):
            return self.r.choice(rs)
        return self.new_record(depth)

    def new_record(self, depth, fields=None):
        name = self.type_name(TYPE_NOUNS)
        style = self.record_style()
        description = self.maybe_text(0.4, "A %s, as the services see it." % name.lower())
        if fields is None:
            # Fields first: a record must not pick itself as a plain field while it is made.
            fields = self.random_fields(self.r.randint(1, 3), depth)
        self.add_type(name, {"kind": "record", "fields": fields, "style": style, "description": description})
        return name

    def record_style(self):
        return "long" if self.r.random() < 0.35 else "short"

    def random_fields(self, n, depth, avoid=()):
        names = []
        out = []
        for _ in range(n):
            fname = self.fresh(FIELD_NAMES, set(names) | set(avoid))
            names.append(fname)
            out.append(self.field(fname, self.random_type(depth)))
        return out

    def field(self, name, t, desc=None):
        if desc is None and self.r.random() < 0.15:
            desc = "The %s." % name
        return {"name": name, "type": t, "description": desc}

    def new_recursive_family(self):
        """A record recursive through an optional, an array, a dictionary or a partner record,
        sometimes wrapped in a record that holds it."""
        kind = self.r.choice(["self-opt", "tree", "mutual", "dict"])
        if kind == "self-opt":
            base, link = self.r.choice(RECURSIVE_NAMES)
            name = self.type_name([base])
            fields = [self.field("name", "string"), self.field(link, ("opt", ("named", name)), "The enclosing one, if any.")]
            if self.r.random() < 0.5:
                fields.append(self.field("seenAt", self.r.choice(["date", ("opt", "date"), "int", "decimal"])))
            self.add_type(name, {"kind": "record", "fields": fields, "style": self.record_style(), "recursive": True,
                                 "description": self.maybe_text(0.5, "A %s inside a larger one." % name.lower())})
            top = name
        elif kind == "tree":
            base, link = self.r.choice(TREE_NAMES)
            name = self.type_name([base])
            fields = [self.field("label", "string"), self.field(link, ("arr", ("named", name)))]
            if self.r.random() < 0.4:
                fields.append(self.field("parent", ("opt", ("named", name))))
            self.add_type(name, {"kind": "record", "fields": fields, "style": self.record_style(), "recursive": True})
            top = name
        elif kind == "dict":
            name = self.type_name(["Directory", "Registry", "Index"])
            fields = [self.field("key", "string"),
                      self.field("entries", ("dict", ("named", name))),
                      self.field("size", "int")]
            self.add_type(name, {"kind": "record", "fields": fields, "style": self.record_style(), "recursive": True})
            top = name
        else:
            a, b, ab, ba = self.r.choice(MUTUAL_NAMES)
            an = self.type_name([a])
            bn = self.type_name([b])
            self.add_type(an, {"kind": "record", "style": self.record_style(), "recursive": True, "fields": [
                self.field("name", "string"), self.field(ab, ("opt", ("named", bn)))]})
            bfields = [self.field("name", "string"), self.field(ba, ("named", an)),
                       self.field("members", ("arr", ("named", an)))]
            self.add_type(bn, {"kind": "record", "style": self.record_style(), "recursive": True, "fields": bfields})
            top = self.r.choice([an, bn])
        if self.r.random() < 0.4:
            # A record that holds the recursive one (plain, optional or in a list).
            holder = self.type_name(TYPE_NOUNS)
            ft = self.r.choice([("named", top), ("opt", ("named", top)), ("arr", ("named", top))])
            self.add_type(holder, {"kind": "record", "style": self.record_style(), "fields": [
                self.field("id", "string"), self.field("subject", ft)]})
            return holder
        return top

    # -- policies ----------------------------------------------------------------------------

    def retry_body(self, max_attempts=None):
        b = {}
        attempts = max_attempts if max_attempts is not None else self.r.choice([1, 2, 2, 3, 3, 4, 5])
        if attempts != 3 or self.r.random() < 0.5:
            b["maxAttempts"] = attempts
        backoff_max = 1000
        if self.r.random() < 0.7:
            bo = {}
            initial = self.r.choice([1, 5, 10, 20, 25, 50])
            if self.r.random() < 0.8:
                bo["initial"] = dur(initial)
            if self.r.random() < 0.8:
                backoff_max = self.r.choice([initial, initial * 2, initial * 4, 100, 250])
                backoff_max = max(backoff_max, initial)
                bo["max"] = dur(backoff_max)
            if self.r.random() < 0.4:
                bo["multiplier"] = self.r.choice([1, Plain("1.5"), 2, 3])
            if self.r.random() < 0.6:
                bo["jitter"] = self.r.choice(["full", "equal", "decorrelated", "none"])
            if bo:
                b["backoff"] = bo
        if self.r.random() < 0.3:
            b["retryOn"] = self.r.sample(ERROR_CLASSES, self.r.randint(1, 4))
        if self.r.random() < 0.3:
            if self.r.random() < 0.4:
                b["budget"] = "none"
            else:
                b["budget"] = {"ratio": Plain("%d%%" % self.r.choice([5, 10, 20, 50])),
                               "minPerSecond": self.r.choice([0, 5, 10, 50])}
        return Policy(b, attempts, backoff_max)

    def breaker_body(self, has_endpoints):
        b = {}
        if self.r.random() < 0.5:
            if self.r.random() < 0.5:
                b["mode"] = "rate"
            window = self.r.choice([10, 20, 50, 100])
            b["failureRate"] = Plain("%d%%" % self.r.choice([25, 40, 50, 75]))
            b["window"] = window
            b["minCalls"] = max(1, window // self.r.choice([2, 4, 5]))
            if self.r.random() < 0.4:
                b["slowCall"] = {"threshold": dur(self.r.choice([50, 80, 150, 300])),
                                 "rate": Plain("%d%%" % self.r.choice([50, 60, 80]))}
        else:
            b["mode"] = "consecutive"
            b["consecutiveFailures"] = self.r.choice([3, 5, 8])
        if self.r.random() < 0.6:
            b["openFor"] = dur(self.r.choice([1000, 5000, 10000, 30000]))
        if self.r.random() < 0.3:
            b["halfOpenProbes"] = self.r.choice([1, 2, 3])
        if self.r.random() < 0.35:
            b["scope"] = self.r.choice(["service", "endpoint"]) if has_endpoints else "service"
        return Policy(b)

    def rate_limit_body(self):
        unit = self.r.choice(["s", "s", "m", "h"])
        n = {"s": self.r.choice([50, 200, 1000]), "m": self.r.choice([6000, 30000]), "h": 360000}[unit]
        b = {"rate": Plain("%d/%s" % (n, unit))}
        if self.r.random() < 0.6:
            b["burst"] = self.r.choice([20, 50, 100])
        if self.r.random() < 0.4:
            b["maxWait"] = dur(self.r.choice([1, 5, 10, 20]))
        return Policy(b)

    def bulkhead_body(self):
        b = {"maxConcurrent": self.r.choice([8, 16, 64, 200])}
        if self.r.random() < 0.5:
            b["maxQueue"] = self.r.choice([0, 16, 128])
        if self.r.random() < 0.4:
            b["queueTimeout"] = dur(self.r.choice([5, 10, 20]))
        return Policy(b)

    def hedge_body(self):
        if self.r.random() < 0.5:
            b = {"delay": Plain("p%d" % self.r.choice([50, 75, 90, 95, 99]))}
        else:
            b = {"delay": dur(self.r.choice([5, 10, 15, 30, 50]))}
        if self.r.random() < 0.6:
            b["maxAttempts"] = self.r.randint(2, 5)
        return Policy(b)

    def cache_body(self, input_fields=None):
        b = {"ttl": dur(self.r.choice([1000, 10000, 30000, 60000, 300000]))}
        if self.r.random() < 0.4:
            b["staleWhileRevalidate"] = dur(self.r.choice([30000, 60000, 120000]))
        if self.r.random() < 0.4:
            b["staleIfError"] = dur(self.r.choice([60000, 300000, 1800000]))
        if self.r.random() < 0.3:
            b["maxEntries"] = self.r.choice([100, 1000, 50000])
        if input_fields and self.r.random() < 0.45:
            paths = [f["name"] for f in input_fields]
            for f in input_fields:
                core = unwrap(f["type"])
                if isinstance(core, tuple) and core[0] == "named" and self.types[core[1]]["kind"] == "record":
                    for g in self.types[core[1]]["fields"][:2]:
                        paths.append(f["name"] + "." + g["name"])
            b["key"] = self.r.sample(paths, self.r.randint(1, min(2, len(paths))))
        return Policy(b)

    def setting(self, section, make, named_p=0.4, allow_named=True, reusable=lambda body: True):
        """A policy written inline, or as the name of an entry under `policies`."""
        p = make()
        if allow_named and self.r.random() < named_p:
            existing = [n for n in self.policies[section].keys() if reusable(self.policies[section][n])]
            if existing and self.r.random() < 0.4 and section != "retries":
                n = self.r.choice(existing)
                return n, self.policy_values[(section, n)]
            n = self.fresh(POLICY_NAMES, set(self.policies[section].keys()))
            self.policies[section][n] = p.body
            self.policy_values[(section, n)] = p
            return n, p
        return p.body, p

    # -- services ----------------------------------------------------------------------------

    def new_service(self):
        name = self.fresh(SERVICE_NAMES, set(self.services.keys()))
        svc = {"name": name, "ops": {}, "endpoints": [], "routing": None, "slots": {}, "values": {},
               "description": self.maybe_text(0.4, "The %s service." % name)}
        if self.r.random() < 0.6:
            self.make_endpoints(svc)
        has_ep = bool(svc["endpoints"])
        if self.r.random() < 0.65:
            t = self.r.choice([30, 50, 80, 100, 150, 250])
            svc["slots"]["timeout"] = dur(t)
            svc["values"]["timeout"] = t
        if self.r.random() < 0.4:
            body, p = self.setting("retries", self.retry_body)
            svc["slots"]["retry"] = body
            svc["values"]["retry"] = p
        if self.r.random() < 0.35:
            body, p = self.setting("circuitBreakers", lambda: self.breaker_body(has_ep),
                                   reusable=lambda b: has_ep or b.get("scope") != "endpoint")
            svc["slots"]["circuitBreaker"] = body
        if self.r.random() < 0.2:
            body, _ = self.setting("rateLimits", self.rate_limit_body)
            svc["slots"]["rateLimit"] = body
        if self.r.random() < 0.2:
            body, _ = self.setting("bulkheads", self.bulkhead_body)
            svc["slots"]["bulkhead"] = body
        if self.r.random() < 0.2:
            body, p = self.setting("hedges", self.hedge_body)
            svc["slots"]["hedge"] = body
            svc["values"]["hedge"] = p
        self.services[name] = svc
        self.service_order.append(name)
        return svc

    def make_endpoints(self, svc):
        n = self.r.choice([1, 2, 2, 3, 3, 4])
        eps = [{"url": Q("http://%s-%d.internal:8080" % (svc["name"], i + 1))} for i in range(n)]
        if self.r.random() < 0.55:
            regions = self.r.sample(REGIONS, self.r.randint(1, min(3, n)))
            for i, e in enumerate(eps):
                e["region"] = regions[i % len(regions)] if i < len(regions) else self.r.choice(regions)
        if self.r.random() < 0.3:
            for e in eps:
                if self.r.random() < 0.5:
                    e["weight"] = self.r.randint(1, 3)
        roles = None
        if self.r.random() < 0.35:
            if n == 1:
                roles = ["primary"]
            elif self.r.random() < 0.65:
                roles = ["primary"] + ["replica"] * (n - 1)      # exactly one primary
            else:
                roles = [self.r.choice(["primary", "replica"]) for _ in range(n)]
                roles[0] = "primary"
            for e, role in zip(eps, roles):
                e["role"] = role
        if n >= 2 and self.r.random() < 0.35:
            e = eps[-1]
            e["variant"] = self.r.choice(VARIANTS)
        svc["endpoints"] = eps
        if self.r.random() < 0.75:
            svc["routing"] = self.make_routing(eps)

    def make_routing(self, eps):
        regions = sorted({e["region"] for e in eps if "region" in e})
        variants = sorted({e["variant"] for e in eps if "variant" in e})
        strategies = ["round-robin", "random", "least-latency"] + (["region-first"] * 2 if regions else [])
        rt = {}
        strategy = self.r.choice(strategies)
        if strategy != "round-robin" or self.r.random() < 0.5:
            rt["strategy"] = strategy
        if regions and (strategy == "region-first" or self.r.random() < 0.25):
            rt["localRegion"] = self.r.choice(regions)
        if self.r.random() < 0.45:
            od = {}
            if self.r.random() < 0.8:
                od["consecutiveFailures"] = self.r.choice([3, 5, 10])
            if self.r.random() < 0.7:
                od["ejectFor"] = dur(self.r.choice([10000, 15000, 30000]))
            if self.r.random() < 0.5:
                od["maxEjected"] = Plain("%d%%" % self.r.choice([25, 34, 50]))
            if not od:
                od["consecutiveFailures"] = 5
            rt["outlierDetection"] = od
        targets = [("variant", v) for v in variants] + [("region", g) for g in regions]
        if targets and self.r.random() < 0.6:
            rules = []
            for i in range(self.r.randint(1, 3)):
                healthy_active = self.r.random() < 0.35
                cond = self.healthy_condition() if healthy_active else self.unhealthy_condition()
                kind = self.r.choice(["use", "prefer", "avoid"])
                tk, tv = self.r.choice(targets)
                rule = {}
                if self.r.random() < 0.8:
                    rule["name"] = "rule%d-%s" % (i + 1, "steady" if healthy_active else "shed")
                rule["when"] = Q(cond)
                rule[kind] = {tk: tv}
                rules.append(rule)
            rt["rules"] = rules
        return rt

    def unhealthy_condition(self):
        atoms = [
            lambda: "%s > %dms" % (self.r.choice(["p50", "p90", "p99"]), self.r.choice([40, 100, 200, 300])),
            lambda: "errorRate > %s%%" % self.r.choice(["5", "20", "2.5"]),
            lambda: "errorRate >= %d%%" % self.r.choice([10, 50]),
            lambda: "healthy < %d%%" % self.r.choice([50, 75]),
            lambda: "healthy <= 50%",
            lambda: "inflight > %d" % self.r.choice([100, 200]),
        ]
        a = self.r.choice(atoms)()
        if self.r.random() < 0.5:
            b = self.r.choice(atoms)()
            op = self.r.choice(["or", "and"])
            if self.r.random() < 0.3:
                return "(%s %s %s) or %s" % (a, op, b, self.r.choice(atoms)())
            return "%s %s %s" % (a, op, b)
        return a

    def healthy_condition(self):
        """A condition that holds for an idle, healthy service (no errors, no latency yet)."""
        atoms = ["errorRate < 1%", "errorRate <= 5%", "healthy >= 50%", "inflight < 1000", "p99 < 10s",
                 "healthy > 0%", "inflight == 0", "errorRate != 100%"]
        a = self.r.choice(atoms)
        if self.r.random() < 0.3:
            return a + " and " + self.r.choice(atoms)
        return a

    def resolved(self, svc, op_slots, key):
        """Effective retry/hedge/timeout of an operation: its slot over the service's."""
        if key in op_slots:
            return op_slots[key]
        return svc["values"].get(key)

    def new_operation(self, svc, access, input_fields, output_type, input_named=None):
        verbs = READ_VERBS if access == "read" else WRITE_VERBS
        taken = set(svc["ops"].keys())
        name = None
        for _ in range(50):
            cand = self.r.choice(verbs) + self.r.choice(OP_NOUNS)
            if cand not in taken:
                name = cand
                break
        if name is None:
            name = self.fresh([v + n for v in verbs for n in OP_NOUNS], taken)
        return self.add_operation(svc, name, access, input_fields, output_type, input_named)

    def add_operation(self, svc, name, access, input_fields, output_type, input_named=None):
        base = svc["name"][0].upper() + svc["name"][1:] + name[0].upper() + name[1:]
        op = {"service": svc["name"], "name": name, "access": access, "slots": {}, "values": {},
              "description": self.maybe_text(0.3, "Does %s on %s." % (name, svc["name"]))}
        # Input: a named record (declared, or shared with a workflow) or an inline mapping.
        if input_named is not None:
            op["input"] = ("named", input_named)
            op["input_fields"] = self.types[input_named]["fields"]
        elif self.r.random() < 0.3 or self.inline_type(base + "Input", input_fields) is None:
            tn = self.new_record(1, fields=input_fields)
            op["input"] = ("named", tn)
            op["input_fields"] = input_fields
        else:
            op["input"] = ("named", base + "Input")
            op["input_inline"] = True
            op["input_fields"] = input_fields
        # Output: as given (a named type, a list), or an inline mapping.
        if output_type is None:
            fields = self.output_fields()
            if self.inline_type(base + "Output", fields) is None:
                op["output"] = ("named", self.new_record(1, fields=fields))
            else:
                op["output"] = ("named", base + "Output")
                op["output_inline"] = True
        else:
            op["output"] = output_type
        has_ep = bool(svc["endpoints"])
        if access == "write":
            keys = [f["name"] for f in op["input_fields"]
                    if f["type"] in ("string", "uuid", "int")]
            if keys and self.r.random() < 0.7:
                op["idempotencyKey"] = self.r.choice(keys)
        keyed = access == "read" or "idempotencyKey" in op
        if self.r.random() < 0.35:
            t = self.r.choice([20, 40, 60, 100, 200, 300])
            op["slots"]["timeout"] = dur(t)
            op["values"]["timeout"] = t
        elif "timeout" in svc["values"] and self.r.random() < 0.08:
            op["slots"]["timeout"] = "none"
            op["values"]["timeout"] = None
        if self.r.random() < 0.3:
            body, p = self.setting("retries", self.retry_body if keyed else (lambda: self.retry_body(1)))
            op["slots"]["retry"] = body
            op["values"]["retry"] = p
        elif self.resolved(svc, op["values"], "retry") is not None and self.r.random() < 0.1:
            op["slots"]["retry"] = "none"
            op["values"]["retry"] = None
        if self.r.random() < 0.15:
            body, _ = self.setting("circuitBreakers", lambda: self.breaker_body(has_ep),
                                   reusable=lambda b: has_ep or b.get("scope") != "endpoint")
            op["slots"]["circuitBreaker"] = body
        elif "circuitBreaker" in svc["slots"] and self.r.random() < 0.15:
            op["slots"]["circuitBreaker"] = "none"
        if self.r.random() < 0.1:
            body, _ = self.setting("rateLimits", self.rate_limit_body)
            op["slots"]["rateLimit"] = body
        if self.r.random() < 0.1:
            body, _ = self.setting("bulkheads", self.bulkhead_body)
            op["slots"]["bulkhead"] = body
        if keyed and self.r.random() < 0.15:
            body, p = self.setting("hedges", self.hedge_body)
            op["slots"]["hedge"] = body
            op["values"]["hedge"] = p
        if not keyed:
            # Writes without an idempotency key must not inherit retries or hedging.
            r = self.resolved(svc, op["values"], "retry")
            if r is not None and r.attempts > 1:
                if self.r.random() < 0.7:
                    op["slots"]["retry"] = "none"
                    op["values"]["retry"] = None
                else:
                    p = self.retry_body(1)
                    op["slots"]["retry"] = p.body
                    op["values"]["retry"] = p
            if self.resolved(svc, op["values"], "hedge") is not None:
                op["slots"]["hedge"] = "none"
                op["values"]["hedge"] = None
        if access == "read" and self.r.random() < 0.35:
            if self.r.random() < 0.3:
                body, _ = self.setting("caches", self.cache_body, named_p=1.0)
            else:
                body = self.cache_body(op["input_fields"]).body
            op["slots"]["cache"] = body
            op["cached"] = True
        svc["ops"][name] = op
        return op

    def output_fields(self):
        n = self.r.randint(1, 3)
        fields = self.random_fields(n, 1)
        names = [f["name"] for f in fields]
        # Outputs feed later steps: a bool (for `when`), an id, or a list of records (for `[]`).
        extra = self.r.random()
        if extra < 0.3:
            fields.append(self.field(self.fresh(["ok", "ready", "flagged", "accepted"], set(names)), "bool"))
        elif extra < 0.55:
            rec = self.pick_record(2)
            fields.append(self.field(self.fresh(["entries", "lines", "parts", "rows"], set(names)), ("arr", ("named", rec))))
        elif extra < 0.75:
            fields.append(self.field(self.fresh(["id", "ref", "token"], set(names)), self.r.choice(["string", "uuid"])))
        return fields

    # -- expressions ---------------------------------------------------------------------------

    def candidates(self, roots):
        """Every reference reachable from `roots` [(expr, type, step)], as (expr, type, step)."""
        out = []

        def fields_of(t):
            core = unwrap(t)
            if isinstance(core, tuple) and core[0] == "named" and self.types[core[1]]["kind"] == "record":
                return self.types[core[1]]["fields"]
            return None

        def walk(expr, t, step, depth, seen):
            out.append((expr, t, step))
            if depth >= 3 or len(out) > 400:
                return
            fs = fields_of(t)
            if fs is not None:
                core = unwrap(t)[1]
                if seen.count(core) >= 1 and depth > 0:
                    return   # a recursive record is walked once per path
                for f in fs:
                    # A field below an optional is optional too (the checker's rule).
                    ft = opt(f["type"]) if is_opt(t) else f["type"]
                    walk(expr + "." + f["name"], ft, step, depth + 1, seen + [core])
            core = unwrap(t)
            # `$x.list[].field` projects a list of records: a list of the field's type (optional
            # when the list is).
            if isinstance(core, tuple) and core[0] == "arr":
                el = core[1]
                efs = fields_of(el)
                if efs is not None and not is_opt(el):
                    for f in efs:
                        inner = f["type"]
                        pt = ("arr", inner)
                        if is_opt(t):
                            pt = opt(pt)
                        out.append((expr + "[]." + f["name"], pt, step))

        for expr, t, step in roots:
            walk(expr, t, step, 0, [])
        return out

    def literal(self, t, depth=0, refs=None, deps=None, ref_p=0.0):
        """A value for type `t`: a reference from `refs` (when one fits) or a literal."""
        if refs and self.r.random() < ref_p:
            fits = [c for c in refs if assignable(c[1], t)]
            if fits:
                expr, ct, step = self.r.choice(fits)
                if step is not None and deps is not None and step not in deps:
                    deps.append(step)
                return expr
        if is_opt(t):
            if self.r.random() < 0.1:
                return None if depth == 0 else Plain("null")
            return self.literal(t[1], depth, refs, deps, ref_p)
        if isinstance(t, str):
            return self.scalar_literal(t)
        k = t[0]
        if k == "arr":
            n = 0 if depth >= 2 else self.r.choice([0, 1, 1, 2])
            return Flow([self.literal(t[1], depth + 1, refs, deps, ref_p) for _ in range(n)])
        if k == "dict":
            n = 0 if depth >= 2 else self.r.choice([0, 1, 2])
            keys = self.r.sample(["base", "extra", "fee", "eu", "us"], n)
            return {kk: self.literal(t[1], depth + 1, refs, deps, ref_p) for kk in keys}
        body = self.types[t[1]]
        if body["kind"] == "enum":
            return self.r.choice(body["cases"])
        return self.record_literal(t[1], depth, refs, deps, ref_p)

    def record_literal(self, name, depth, refs, deps, ref_p):
        out = {}
        for f in self.types[name]["fields"]:
            ft = f["type"]
            if is_opt(ft) and (depth >= 2 or self.r.random() < 0.45):
                continue
            v = self.literal(ft, depth + 1, refs, deps, ref_p)
            if v is None:
                v = Plain("null")
            out[f["name"]] = v
        return out

    def scalar_literal(self, s):
        r = self.r
        if s == "string":
            x = r.random()
            if x < 0.12:
                return Q("$$" + r.choice(["{total} due", " charged", "ref", "{zone} now open"]))
            if x < 0.2:
                return Q(r.choice(["it's done", "a: b", "#hash", "quote \" inside", "ünïcode"]))
            if x < 0.3:
                return Q(r.choice(["123", "true", "1.5"]))   # text that would read as a number/bool
            return r.choice(WORDS)
        if s == "int":
            return r.choice([0, 1, 3, 42, 1000])
        if s == "double":
            return Plain(r.choice(["2.5", "0.75", "100.0", "-1.25"]))
        if s == "decimal":
            return Plain(r.choice(["9.99", "6.90", "100", "0.01"]))
        if s == "bool":
            return r.choice([True, False])
        if s == "date":
            return Q(r.choice(DATES))
        return Q(r.choice(UUIDS))

    # -- workflows -----------------------------------------------------------------------------

    def pick_service(self, fresh_first):
        empty = [s for s in self.service_order if not self.services[s]["ops"]]
        if empty and fresh_first:
            return self.services[empty[0]]
        return self.services[self.r.choice(self.service_order)]

    def input_fields_for(self, refs, n):
        """Input fields for a new operation: some shaped like values in scope, some fresh."""
        fields = []
        names = set()
        usable = [c for c in refs if c[0] != "$input"]
        for _ in range(n):
            if usable and self.r.random() < 0.65:
                expr, t, step = self.r.choice(usable)
                last = re.split(r"[.\[\]]+", expr.strip("$"))[-1] or "value"
                fname = last if last not in names and last != "input" else self.fresh(FIELD_NAMES, names)
                if is_opt(t) or self.r.random() < 0.1:
                    t = opt(t)
                fields.append(self.field(fname, t))
            else:
                fname = self.fresh(FIELD_NAMES, names)
                fields.append(self.field(fname, self.random_type(1)))
            names.add(fname)
        return fields

    def ensure_key_field(self, fields):
        if not any(f["type"] in ("string", "uuid", "int") for f in fields) and self.r.random() < 0.8:
            names = {f["name"] for f in fields}
            fields.append(self.field(self.fresh(["requestId", "orderId", "opId"], names), self.r.choice(["uuid", "string"])))
        return fields

    def workflow_input(self, wname):
        fields = self.random_fields(self.r.randint(1, 4), 1)
        names = {f["name"] for f in fields}
        if self.r.random() < 0.7:
            fields.append(self.field(self.fresh(["giftWrap", "notify", "express", "dryRun"], names), "bool"))
        if self.r.random() < 0.4:
            fields.append(self.field(self.fresh(["tier", "grade", "mode"], names | {f["name"] for f in fields}),
                                     ("named", self.pick_enum())))
        if self.r.random() < 0.35 or self.inline_type(wname[0].upper() + wname[1:] + "Input", fields) is None:
            tn = self.new_record(1, fields=fields)
            return ("named", tn), False
        return ("named", wname[0].upper() + wname[1:] + "Input"), True

    def new_workflow(self, n_steps):
        wname = self.fresh(WORKFLOW_NAMES, {w["name"] for w in self.workflows})
        wf = {"name": wname, "steps": [], "description": self.maybe_text(0.4, "Runs %s end to end." % wname)}
        wf["input"], wf["input_inline"] = self.workflow_input(wname)
        steps = wf["steps"]
        step_names = set()

        def scope_roots(exclude=None, compensation_of=None, allowed=None):
            roots = [("$input", wf["input"], None)]
            for s in steps:
                if s["mode"] == "async" or s["name"] == exclude:
                    continue
                if allowed is not None and s["name"] not in allowed:
                    continue
                t = s["op"]["output"]
                if s["valueOptional"] and s["name"] != compensation_of:
                    t = opt(t)
                roots.append(("$" + s["name"], t, s["name"]))
            return roots

        for i in range(n_steps):
            refs = self.candidates(scope_roots())
            access = "write" if self.r.random() < 0.35 else "read"
            reuse = [op for svc in self.service_order for op in self.services[svc]["ops"].values()
                     if op["access"] == access and not op.get("compensation")]
            if reuse and self.r.random() < 0.25:
                op = self.r.choice(reuse)
            else:
                svc = self.pick_service(fresh_first=True)
                fields = self.input_fields_for(refs, self.r.randint(1, 4))
                if access == "write":
                    fields = self.ensure_key_field(fields)
                whole = [c for c in refs if isinstance(unwrap(c[1]), tuple) and unwrap(c[1])[0] == "named"
                         and not is_opt(c[1]) and self.types[c[1][1]]["kind"] == "record"
                         and not self.types[c[1][1]].get("inline") and not self.types[c[1][1]].get("recursive")]
                out_t = None
                x = self.r.random()
                if x < 0.25 and self.records():
                    out_t = ("named", self.r.choice(self.records()))
                elif x < 0.35:
                    out_t = ("named", self.new_record(1, fields=self.output_fields()))
                elif x < 0.4:
                    out_t = ("arr", ("named", self.pick_record(2)))
                if whole and self.r.random() < 0.15:
                    # The input is a record already in scope, passed whole (`with: $input.change`).
                    op = self.new_operation(svc, access, None, out_t, input_named=self.r.choice(whole)[1][1])
                else:
                    op = self.new_operation(svc, access, fields, out_t)
            sname = self.fresh([op["name"] + sfx for sfx in STEP_SUFFIXES], step_names | {"input"}, suffixes=("",))
            step_names.add(sname)
            step = {"name": sname, "op": op, "deps": [], "mode": "await", "optional": False, "when": None,
                    "after": [], "fallback": None, "compensate": None, "slots": {}, "values": {}}
            # with
            if (op["input"][1] and not self.types[op["input"][1]].get("inline") and self.r.random() < 0.6
                    and any(c[1] == op["input"] for c in refs)):
                fits = [c for c in refs if c[1] == op["input"]]
                expr, _, st = self.r.choice(fits)
                if st:
                    step["deps"].append(st)
                step["with"] = expr
            else:
                step["with"] = self.with_mapping(op["input_fields"], refs, step["deps"])
            # mode, optional, when
            if op["access"] == "write" and self.r.random() < 0.15 and i > 0:
                step["mode"] = "async"
            elif self.r.random() < 0.22:
                step["optional"] = True
            if self.r.random() < 0.18:
                step["when"] = self.when_condition(refs, step["deps"])
            # after
            earlier = [s["name"] for s in steps if s["mode"] != "async" and s["name"] not in step["deps"]]
            if earlier and self.r.random() < 0.2:
                step["after"] = self.r.sample(earlier, self.r.randint(1, min(2, len(earlier))))
            # fallback
            if step["mode"] == "await" and self.r.random() < 0.25:
                step["fallback"] = self.make_fallback(op, refs, step["deps"])
            # step-level overrides
            self.step_overrides(step, op)
            step["valueOptional"] = step["optional"] or step["when"] is not None or step["mode"] == "async"
            steps.append(step)

        # Compensations: required where a later required step can fail after a write, else sometimes.
        deps_of = {s["name"]: set(s["deps"]) | set(s["after"]) for s in steps}

        def closure(n):
            out, stack = set(), list(deps_of[n])
            while stack:
                d = stack.pop()
                if d not in out:
                    out.add(d)
                    stack.extend(deps_of[d])
            return out

        for s in steps:
            if s["mode"] != "await" or s["op"]["access"] != "write":
                continue
            before = closure(s["name"])
            needs = any(o["name"] != s["name"] and not o["optional"] and o["mode"] == "await"
                        and o["name"] not in before for o in steps)
            if needs or self.r.random() < 0.25:
                allowed = before | {s["name"]}
                croots = scope_roots(compensation_of=s["name"], allowed=allowed)
                s["compensate"] = self.make_compensation(s, self.candidates(croots))

        # Result and output.
        roots = scope_roots()
        refs = [c for c in self.candidates(roots) if c[0] != "$input"]
        self.make_result(wf, refs, steps)
        # Deadline: every counted step at its worst case, with room to spare.
        worst = 0
        for s in steps:
            if s["optional"] or s["mode"] == "async":
                continue
            t = s["eff_timeout"] or 0
            a = s["eff_attempts"]
            worst += t * a + (a - 1) * s["eff_backoff_max"]
        deadline = max(100, int(worst * self.r.choice([1.25, 1.5, 2.0])) + self.r.choice([50, 100, 200, 500]))
        deadline = ((deadline + 99) // 100) * 100
        wf["deadline"] = dur(deadline)
        if self.r.random() < 0.5:
            wf["admission"] = self.make_admission()
        if self.r.random() < 0.2:
            # The graph does not have to be written in order.
            self.r.shuffle(steps)
        self.workflows.append(wf)
        return wf

    def with_mapping(self, fields, refs, deps):
        out = {}
        for f in fields:
            if is_opt(f["type"]) and self.r.random() < 0.25:
                continue
            v = self.literal(f["type"], 0, refs, deps, ref_p=0.75)
            if v is None:
                v = Plain("null")
            out[f["name"]] = v
        return out

    def when_condition(self, refs, deps):
        bools = [c for c in refs if unwrap(c[1]) == "bool"]
        comparable = [c for c in refs if (isinstance(unwrap(c[1]), str) and unwrap(c[1]) != "bool")
                      or (isinstance(unwrap(c[1]), tuple) and unwrap(c[1])[0] == "named"
                          and self.types[unwrap(c[1])[1]]["kind"] == "enum")]
        forms = []
        if bools:
            forms += ["ref", "not"]
        if comparable:
            forms += ["eq", "ne"]
        if bools:
            forms += ["eqbool"]
        if not forms:
            return None
        form = self.r.choice(forms)
        pool = bools if form in ("ref", "not", "eqbool") else comparable
        expr, t, step = self.r.choice(pool)
        if step and step not in deps:
            deps.append(step)
        if form == "ref":
            return expr
        if form == "not":
            return Q("!" + expr)
        if form == "eqbool":
            return Q("%s == %s" % (expr, self.r.choice(["true", "false"])))
        core = unwrap(t)
        if isinstance(core, tuple):
            lit = self.r.choice(self.types[core[1]]["cases"])
        elif core == "string":
            lit = self.r.choice(["alpha", "'eu-west'", "\"x 1\"", "sample"])
        elif core == "int":
            lit = str(self.r.choice([0, 1, 42]))
        elif core == "double":
            lit = "2.5"
        elif core == "decimal":
            lit = "9.99"
        elif core == "date":
            lit = self.r.choice(DATES)
        else:
            lit = self.r.choice(UUIDS)
        return Q("%s %s %s" % (expr, "==" if form == "eq" else "!=", lit))

    def make_fallback(self, op, refs, deps):
        x = self.r.random()
        if op.get("cached") and x < 0.4:
            return {"stale": True}
        if x < 0.7 or op["access"] == "write":
            v = self.literal(op["output"], 0)
            if v is None:
                v = Plain("null")
            return {"value": v}
        # A call to another read with the same output type.
        same = [o for svc in self.service_order for o in self.services[svc]["ops"].values()
                if o is not op and o["access"] == "read" and o["output"] == op["output"] and not o.get("compensation")]
        if same and self.r.random() < 0.5:
            fop = self.r.choice(same)
        else:
            svc = self.pick_service(fresh_first=True)
            fop = self.new_operation(svc, "read", self.input_fields_for(refs, self.r.randint(1, 2)), op["output"])
        return {"call": fop["service"] + "." + fop["name"], "with": self.with_mapping(fop["input_fields"], refs, deps),
                "_op": fop}

    def make_compensation(self, step, refs):
        op = step["op"]
        svc = self.services[op["service"]]
        own = [c for c in refs if c[2] == step["name"] and c[0] != "$" + step["name"]] or refs
        fields = []
        names = set()
        for _ in range(self.r.randint(1, 2)):
            expr, t, _ = self.r.choice(own)
            last = re.split(r"[.\[\]]+", expr.strip("$"))[-1]
            fname = last if last not in names else self.fresh(FIELD_NAMES, names)
            names.add(fname)
            fields.append(self.field(fname, t))
        fields = self.ensure_key_field(fields)
        name = self.fresh([v + op["name"][0].upper() + op["name"][1:] for v in UNDO_VERBS], set(svc["ops"].keys()))
        cop = self.add_operation(svc, name, "write", fields, None)
        cop["compensation"] = True
        return {"call": cop["service"] + "." + cop["name"], "with": self.with_mapping(fields, refs, None)}

    def step_overrides(self, step, op):
        svc = self.services[op["service"]]
        keyed = op["access"] == "read" or "idempotencyKey" in op
        timeout = op["values"]["timeout"] if "timeout" in op["values"] else svc["values"].get("timeout")
        retry = op["values"]["retry"] if "retry" in op["values"] else svc["values"].get("retry")
        if self.r.random() < 0.15:
            if timeout is not None and self.r.random() < 0.2:
                step["slots"]["timeout"] = "none"
                timeout = None
            else:
                timeout = self.r.choice([25, 50, 75, 120])
                step["slots"]["timeout"] = dur(timeout)
        if self.r.random() < 0.15:
            if retry is not None and self.r.random() < 0.3:
                step["slots"]["retry"] = "none"
                retry = None
            else:
                body, retry = self.setting("retries", self.retry_body if keyed else (lambda: self.retry_body(1)))
                step["slots"]["retry"] = body
        if self.r.random() < 0.1:
            if self.r.random() < 0.4:
                step["slots"]["circuitBreaker"] = "none"
            else:
                body, _ = self.setting("circuitBreakers", lambda: self.breaker_body(bool(svc["endpoints"])),
                                            reusable=lambda b: bool(svc["endpoints"]) or b.get("scope") != "endpoint")
                step["slots"]["circuitBreaker"] = body
        if self.r.random() < 0.12:
            if keyed and self.r.random() < 0.7:
                body, _ = self.setting("hedges", self.hedge_body)
                step["slots"]["hedge"] = body
            else:
                step["slots"]["hedge"] = "none"
        step["eff_timeout"] = timeout
        step["eff_attempts"] = retry.attempts if retry is not None else 1
        step["eff_backoff_max"] = retry.backoff_max if retry is not None else 0

    def make_result(self, wf, refs, steps):
        x = self.r.random()
        whole = [c for c in refs if c[0].count(".") == 0 and "[" not in c[0] and not is_opt(c[1])
                 and isinstance(c[1], tuple) and c[1][0] == "named"]
        if whole and x < 0.15:
            expr, t, _ = self.r.choice(whole)
            wf["output"] = t
            wf["output_inline"] = False
            wf["result"] = expr
            return
        fields = []
        result = {}
        names = set()
        # Optional-step values first, into optional fields.
        optional_refs = [c for c in refs if is_opt(c[1]) and c[2] is not None
                         and any(s["name"] == c[2] and s["valueOptional"] for s in steps)]
        chosen = []
        if optional_refs:
            chosen.append(self.r.choice(optional_refs))
        pool = list(refs)
        self.r.shuffle(pool)
        chosen += pool[:self.r.randint(1, 4)]
        for expr, t, _ in chosen:
            last = re.split(r"[.\[\]]+", expr.strip("$"))[-1]
            fname = last if last not in names else self.fresh(FIELD_NAMES, names)
            names.add(fname)
            if not is_opt(t) and self.r.random() < 0.15:
                t = opt(t)
            fields.append(self.field(fname, t))
            result[fname] = expr
        if self.r.random() < 0.3 or not fields:
            fname = self.fresh(FIELD_NAMES, names)
            names.add(fname)
            t = self.random_type(1)
            fields.append(self.field(fname, t))
            v = self.literal(t, 0)
            result[fname] = Plain("null") if v is None else v
        tn = wf["name"][0].upper() + wf["name"][1:] + "Output"
        if self.r.random() < 0.4 or self.inline_type(tn, fields) is None:
            wf["output"] = ("named", self.new_record(1, fields=fields))
            wf["output_inline"] = False
        else:
            wf["output"] = ("named", tn)
            wf["output_inline"] = True
        wf["result"] = result

    def make_admission(self):
        x = self.r.random()
        if x < 0.35:
            a = {"rate": Plain("%d/s" % self.r.choice([100, 500, 2000])), "burst": self.r.choice([50, 100, 400])}
            if self.r.random() < 0.6:
                a["maxConcurrent"] = self.r.choice([50, 200, 500])
            return a
        if x < 0.6:
            return {"maxConcurrent": self.r.choice([10, 50, 200])}
        a = {}
        if self.r.random() < 0.6:
            a["maxConcurrent"] = self.r.choice([50, 200, 400])
        classes = {}
        for c in self.r.sample(CLASS_NAMES, self.r.randint(1, 3)):
            classes[c] = {"rate": Plain("%d/s" % self.r.choice([50, 300, 1000])), "burst": self.r.choice([10, 60, 100])}
        a["classes"] = classes
        return a

    # -- invalidations -------------------------------------------------------------------------

    def add_invalidations(self):
        cached = [svc + "." + o["name"] for svc in self.service_order for o in self.services[svc]["ops"].values()
                  if o.get("cached")]
        if not cached:
            return
        for svc in self.service_order:
            for o in self.services[svc]["ops"].values():
                if o["access"] == "write" and self.r.random() < 0.35:
                    o["invalidates"] = self.r.sample(cached, self.r.randint(1, min(2, len(cached))))

    # -- build and render ----------------------------------------------------------------------

    def build(self):
        for _ in range(self.r.randint(2, 6)):
            self.new_service()
        n_workflows = self.r.choice([1, 1, 1, 2, 2, 3])
        budget = 7   # steps over all workflows, to keep generated code small
        for i in range(n_workflows):
            n = min(self.r.choice([1, 2, 2, 3, 3, 4, 5, 6, 7]), budget - (n_workflows - i - 1))
            budget -= max(1, n)
            self.new_workflow(max(1, n))
        self.add_invalidations()
        # Services that ended up without operations are left out (an empty one is invalid).
        self.service_order = [s for s in self.service_order if self.services[s]["ops"]]

    def reachable_types(self):
        roots = []
        for s in self.service_order:
            for o in self.services[s]["ops"].values():
                roots += [o["input"], o["output"]]
        for w in self.workflows:
            roots += [w["input"], w["output"]]
        used, stack = set(), []
        for t in roots:
            stack += named_cores(t)
        while stack:
            n = stack.pop()
            if n in used:
                continue
            used.add(n)
            if self.types[n]["kind"] == "record":
                for f in self.types[n]["fields"]:
                    stack += named_cores(f["type"])
        return used

    def render_fields(self, fields, long_form):
        out = {}
        for f in fields:
            if f["description"] and (long_form or self.r.random() < 0.5):
                out[f["name"]] = {"type": Q(type_text(f["type"])) if type_text(f["type"]).startswith("[")
                                  else type_text(f["type"]), "description": f["description"]}
            else:
                out[f["name"]] = type_ref(f["type"])
        return out

    def render(self):
        top = {"baton": 1, "name": self.name}
        if self.r.random() < 0.6:
            top["description"] = "A random valid spec (scripts/random-spec.py); its seed is in the name of the spec file."
        used = self.reachable_types()
        types = {}
        for n in self.type_order:
            if n not in used:
                continue
            body = self.types[n]
            if body["kind"] == "enum":
                e = {}
                if body.get("description"):
                    e["description"] = body["description"]
                e["enum"] = Flow(body["cases"])
                types[n] = e
            elif body.get("style") == "long" or body.get("description"):
                e = {}
                if body.get("description"):
                    e["description"] = body["description"]
                e["fields"] = Block(self.render_fields(body["fields"], True))
                types[n] = e
            else:
                types[n] = Block(self.render_fields(body["fields"], False))
        if types:
            top["types"] = types
        pol = {k: v for k, v in self.policies.items() if v}
        if pol:
            top["policies"] = pol
        services = {}
        for s in self.service_order:
            svc = self.services[s]
            d = {}
            if svc["description"]:
                d["description"] = svc["description"]
            if svc["endpoints"]:
                d["endpoints"] = Block([Flow(e) for e in svc["endpoints"]])
            if svc["routing"]:
                d["routing"] = Block(svc["routing"])
            for k in ["timeout", "retry", "circuitBreaker", "rateLimit", "bulkhead", "hedge"]:
                if k in svc["slots"]:
                    d[k] = svc["slots"][k]
            ops = {}
            for o in svc["ops"].values():
                od = {}
                if o["description"]:
                    od["description"] = o["description"]
                od["input"] = self.io(o["input"], o.get("input_inline"))
                od["output"] = self.io(o["output"], o.get("output_inline"))
                if o["access"] == "write" or self.r.random() < 0.2:
                    od["access"] = o["access"]
                if "idempotencyKey" in o:
                    od["idempotencyKey"] = o["idempotencyKey"]
                for k in ["cache", "timeout", "retry", "circuitBreaker", "rateLimit", "bulkhead", "hedge"]:
                    if k in o["slots"]:
                        od[k] = o["slots"][k]
                if o.get("invalidates"):
                    od["invalidates"] = Flow(o["invalidates"])
                ops[o["name"]] = Block(od)
            d["operations"] = Block(ops)
            services[s] = Block(d)
        top["services"] = services
        workflows = {}
        for w in self.workflows:
            d = {}
            if w["description"]:
                d["description"] = w["description"]
            d["input"] = self.io(w["input"], w.get("input_inline"))
            d["output"] = self.io(w["output"], w.get("output_inline"))
            d["deadline"] = w["deadline"]
            if w.get("admission"):
                d["admission"] = w["admission"]
            steps = {}
            for s in w["steps"]:
                sd = {"call": s["op"]["service"] + "." + s["op"]["name"]}
                if isinstance(s["with"], str):
                    sd["with"] = s["with"]
                elif s["with"] or self.r.random() < 0.5:
                    sd["with"] = s["with"]
                if s["after"]:
                    sd["after"] = Flow(s["after"])
                if s["optional"]:
                    sd["optional"] = True
                if s["mode"] == "async":
                    sd["mode"] = "async"
                elif self.r.random() < 0.05:
                    sd["mode"] = "await"
                if s["when"] is not None:
                    sd["when"] = s["when"]
                if s["fallback"]:
                    sd["fallback"] = {k: v for k, v in s["fallback"].items() if not k.startswith("_")}
                if s["compensate"]:
                    sd["compensate"] = s["compensate"]
                for k in ["timeout", "retry", "circuitBreaker", "hedge"]:
                    if k in s["slots"]:
                        sd[k] = s["slots"][k]
                steps[s["name"]] = Block(sd)
            d["steps"] = Block(steps)
            d["result"] = w["result"] if isinstance(w["result"], str) else Block(w["result"])
            workflows[w["name"]] = Block(d)
        top["workflows"] = workflows
        em = Emitter(self.style)
        em.mapping(top, 0)
        return "\n".join(em.lines) + "\n"

    def io(self, t, inline):
        if inline:
            return self.render_fields(self.types[t[1]]["fields"], False)
        return type_ref(t)


def type_ref(t):
    text = type_text(t)
    return Q(text) if text.startswith("[") else text


def main():
    ap = argparse.ArgumentParser(description="Print one random valid Baton spec for a seed.")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--name", help="the spec's name (UpperCamelCase); default Random<seed>")
    args = ap.parse_args()
    name = args.name or "Random%d" % args.seed
    if not re.match(r"^[A-Z][A-Za-z0-9]*$", name):
        ap.error("--name must be UpperCamelCase")
    spec = Spec(args.seed, name)
    spec.build()
    sys.stdout.write(spec.render())


if __name__ == "__main__":
    main()
