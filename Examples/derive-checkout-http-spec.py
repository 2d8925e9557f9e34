#!/usr/bin/env python3
"""Writes Sources/CheckoutHTTP/checkout.baton.yaml: the example spec specs/checkout.baton.yaml with
an `http:` binding on every service (spec-v1 §11), so that checkout-server calls its downstream
services over HTTP through the generated clients (checkout.HTTP.swift). Every operation becomes
`POST /<service>/<operation>` with its input as the JSON body; a service without `endpoints` gets
the base URL `http://<service>.checkout.invalid`, which checkout-server rewrites to the loopback
port of that service's server (pricing keeps its three endpoints, each a server of its own).

The shared spec stays unbound because many tests, goldens and fixtures read it as it is. With
--check, exits 1 when the committed copy differs (.ci/run checks it, so it cannot drift)."""
import os, sys

here = os.path.dirname(os.path.abspath(__file__))
source = os.path.join(here, "..", "specs", "checkout.baton.yaml")
target = os.path.join(here, "Sources", "CheckoutHTTP", "checkout.baton.yaml")

lines = open(source).read().splitlines(keepends=True)


def depth(line):
    return len(line) - len(line.lstrip(" "))


# The services block: from `services:` to the next top-level key.
start = next(i for i, line in enumerate(lines) if line.rstrip() == "services:")
end = next(i for i in range(start + 1, len(lines)) if lines[i].strip() and depth(lines[i]) == 0)

out = lines[: start + 1]
service, in_operations = None, False
for i in range(start + 1, end):
    line = lines[i]
    stripped = line.strip()
    out.append(line)
    if not stripped or stripped.startswith("#"):
        continue
    if depth(line) == 2 and stripped.endswith(":"):
        service, in_operations = stripped[:-1], False
        following = []
        for j in range(i + 1, end):
            if lines[j].strip() and depth(lines[j]) <= 2:
                break
            following.append(lines[j])
        if not any(l.strip().startswith("endpoints:") and depth(l) == 4 for l in following):
            out.append(f'    http: {{ baseURL: "http://{service}.checkout.invalid" }}\n')
    elif depth(line) == 4:
        in_operations = stripped == "operations:"
    elif depth(line) == 6 and in_operations and stripped.endswith(":"):
        operation = stripped[:-1]
        out.append(f"        http: {{ method: POST, path: /{service}/{operation} }}\n")
out += lines[end:]

text = ("# Derived from specs/checkout.baton.yaml by Examples/derive-checkout-http-spec.py (every service\n"
        "# bound to HTTP). Do not edit: run python3 Examples/derive-checkout-http-spec.py after changing the spec.\n"
        ) + "".join(out)
if "--check" in sys.argv:
    current = open(target).read() if os.path.exists(target) else None
    sys.exit(0 if current == text else 1)
if not os.path.exists(target) or open(target).read() != text:
    open(target, "w").write(text)
