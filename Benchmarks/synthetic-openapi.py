#!/usr/bin/env python3
"""Writes a synthetic OpenAPI 3.1 document with N operations and N schemas (suite 11, against
swift-openapi-generator). Deterministic: the same N gives the same bytes.

Schema i is an object with a required string and integer, an optional number, boolean and list of
strings, and (for i > 0) an optional reference to schema i // 2, so every schema is reachable and
there are no cycles. Operation i is a GET of /resources{i}/{id} with a path and an optional query
parameter answering schema i (even i), or a POST of /resources{i} with schema i as its JSON body
answering schema (7 i) mod N (odd i). One more operation, GET /health, takes nothing.

Usage: synthetic-openapi.py [--operations N] OUT.yaml"""
import argparse

def document(n: int) -> str:
    out = ["openapi: 3.1.0", "info:", "  title: Synthetic", "  version: 1.0.0",
           "servers:", "  - url: http://synthetic.test", "paths:",
           "  /health:", "    get:", "      operationId: health", "      responses:",
           "        '200':", "          description: ok", "          content:", "            application/json:",
           "              schema: { $ref: '#/components/schemas/Schema0' }"]
    for i in range(n):
        if i % 2 == 0:
            out += [f"  /resources{i}/{{id}}:", "    get:", f"      operationId: operation{i}",
                    "      parameters:",
                    "        - { name: id, in: path, required: true, schema: { type: string } }",
                    "        - { name: limit, in: query, required: false, schema: { type: integer } }",
                    "      responses:", "        '200':", "          description: ok", "          content:",
                    "            application/json:", f"              schema: {{ $ref: '#/components/schemas/Schema{i}' }}"]
        else:
            out += [f"  /resources{i}:", "    post:", f"      operationId: operation{i}",
                    "      requestBody:", "        required: true", "        content:", "          application/json:",
                    f"            schema: {{ $ref: '#/components/schemas/Schema{i}' }}",
                    "      responses:", "        '200':", "          description: ok", "          content:",
                    "            application/json:", f"              schema: {{ $ref: '#/components/schemas/Schema{(7 * i) % n}' }}"]
    out += ["components:", "  schemas:"]
    for i in range(n):
        out += [f"    Schema{i}:", "      type: object", "      required: [id, count]", "      properties:",
                "        id: { type: string }", "        count: { type: integer }", "        price: { type: number }",
                "        active: { type: boolean }", "        tags: { type: array, items: { type: string } }"]
        if i > 0:
            out += [f"        parent: {{ $ref: '#/components/schemas/Schema{i // 2}' }}"]
    return "\n".join(out) + "\n"

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--operations", type=int, default=500)
    parser.add_argument("out")
    args = parser.parse_args()
    with open(args.out, "w") as f:
        f.write(document(args.operations))
