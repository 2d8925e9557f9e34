/// The JSON Schema (draft 2020-12) of the spec format, for editors: completion, validation as you
/// type and a description of every key on hover. `baton schema` prints it; `specs/baton.schema.json`
/// is a committed copy (a test keeps the two equal).
///
/// It describes shapes: closed mappings, names, durations, rates, ratios, enums and defaults. What
/// needs the whole spec (references to types, steps and policies, expression types, the graph,
/// budgets) is `baton lint`'s job.
enum BatonSchema {
    static let draft = "https://json-schema.org/draft/2020-12/schema"

    static var text: String { document.rendered }

    static var document: JSONValue {
        object([
            ("$schema", .string(draft)),
            ("title", "Baton orchestration spec (format 1)"),
            ("description", """
                A Baton spec: the downstream services you call, their typed operations, and workflows \
                whose steps call them as a dependency graph with a deadline, retries, circuit breakers, \
                fallbacks and compensations. `baton lint` checks it; `baton generate` turns it into Swift.
                """),
            ("type", "object"),
            ("additionalProperties", false),
            ("required", ["baton", "name", "services", "workflows"]),
            ("properties", object([
                ("baton", object([
                    ("description", "The format version. Must be 1."),
                    ("const", 1),
                ])),
                ("name", ref("typeName", """
                    The spec's name, UpperCamelCase. The generated orchestrator is `<name>Orchestrator`.
                    """)),
                ("description", ref("text", "What this spec orchestrates. Becomes doc comments in the generated code.")),
                ("types", object([
                    ("description", """
                        Named types. An entry with `enum` is an enum, one with `fields` a record with a \
                        description, anything else a record written as `field: type`.
                        """),
                    ("type", "object"),
                    ("propertyNames", ref("typeName", "A type name, UpperCamelCase.")),
                    ("additionalProperties", ref("typeDeclaration", "A record or an enum.")),
                ])),
                ("policies", ref("policies", """
                    Named, reusable resilience settings. Services, operations and steps refer to them by \
                    name; a setting may also be written inline, or `none` to switch off an inherited one.
                    """)),
                ("services", object([
                    ("description", """
                        The downstream services, each with its operations. Each becomes a protocol \
                        `<Service>Service` that you implement; the orchestrator takes them in this order.
                        """),
                    ("type", "object"),
                    ("minProperties", 1),
                    ("propertyNames", ref("lowerName", "A service name, lowerCamelCase.")),
                    ("additionalProperties", ref("service", "A downstream service.")),
                ])),
                ("workflows", object([
                    ("description", """
                        The orchestrated operations your callers call. Each becomes a method of the \
                        orchestrator that runs its steps as a dependency graph.
                        """),
                    ("type", "object"),
                    ("minProperties", 1),
                    ("propertyNames", object([
                        ("$ref", "#/$defs/lowerName"),
                        ("not", object([("const", "shutdown")])),
                        ("description", "A workflow name, lowerCamelCase (`shutdown` is reserved)."),
                    ])),
                    ("additionalProperties", ref("workflow", "A workflow.")),
                ])),
            ])),
            ("$defs", object(definitions)),
        ])
    }

    // MARK: Definitions

    private static var definitions: [(String, JSONValue)] {
        scalars + types + policyBodies + services + workflows
    }

    private static let scalars: [(String, JSONValue)] = [
        ("text", object([("type", "string")])),
        ("lowerName", object([
            ("description", "A name: a lowercase letter, then letters and digits (`getCart`, `cartId`)."),
            ("type", "string"),
            ("pattern", "^[a-z][A-Za-z0-9]*$"),
        ])),
        ("typeName", object([
            ("description", "A type name: an uppercase letter, then letters and digits (`CartItem`)."),
            ("type", "string"),
            ("pattern", "^[A-Z][A-Za-z0-9]*$"),
        ])),
        ("duration", object([
            ("description", """
                A duration greater than zero: one or more `<number><unit>`, unit `us`, `ms`, `s`, `m` or \
                `h` (`250ms`, `1.5s`, `1m30s`). A bare number has no unit and is an error.
                """),
            ("type", "string"),
            ("pattern", "^(?=[^1-9]*[1-9])([0-9]+(\\.[0-9]+)?(us|ms|s|m|h))+$"),
        ])),
        ("rate", object([
            ("description", "A rate greater than zero: `<number>/<unit>`, unit `s`, `m` or `h` (`100/s`, `6000/m`)."),
            ("type", "string"),
            ("pattern", "^(?=[^1-9]*[1-9])[0-9]+(\\.[0-9]+)?/(s|m|h)$"),
        ])),
        ("ratio", object([
            ("description", "A percentage from 0% to 100% (`50%`, `0.5%`)."),
            ("type", "string"),
            ("pattern", "^(100(\\.0+)?|[0-9]{1,2}(\\.[0-9]+)?)%$"),
        ])),
        ("objective", object([
            ("description", "An objective: a percentage above 0% and below 100% (`99.9%`, `99%`); 100% leaves no error budget."),
            ("type", "string"),
            ("pattern", "^(?=[^1-9]*[1-9])[0-9]{1,2}(\\.[0-9]+)?%$"),
        ])),
        ("policyName", object([
            ("description", "The name of an entry under `policies`, or `none` to switch off an inherited setting."),
            ("type", "string"),
            ("pattern", "^[a-z][A-Za-z0-9]*$"),
        ])),
        ("operationReference", object([
            ("description", "An operation as `service.operation` (`pricing.quote`)."),
            ("type", "string"),
            ("pattern", "^[a-z][A-Za-z0-9]*\\.[a-z][A-Za-z0-9]*$"),
        ])),
        ("fieldPath", object([
            ("description", "An input field, or a dotted path into nested records (`cartId`, `customer.id`)."),
            ("type", "string"),
            ("pattern", "^[a-z][A-Za-z0-9]*(\\.[a-z][A-Za-z0-9]*)*$"),
        ])),
    ]

    private static let types: [(String, JSONValue)] = [
        ("typeReference", object([
            ("description", """
                A type: `string`, `int`, `double`, `bool`, `decimal`, `date` (RFC 3339), `uuid`, a named \
                type, `[T]` (list), `[string: T]` (dictionary), with a trailing `?` for optional \
                (`[CartItem]?`, `string?`). Quote references that start with `[`.
                """),
            ("type", "string"),
            ("pattern", "^[\\[ ]*[A-Za-z][A-Za-z0-9]*[A-Za-z0-9\\[\\]:? ]*$"),
        ])),
        ("field", object([
            ("description", "A field: a type reference, or `{ type, description, json }`."),
            ("anyOf", [
                ref("typeReference", "The field's type."),
                object([
                    ("type", "object"),
                    ("additionalProperties", false),
                    ("required", ["type"]),
                    ("properties", object([
                        ("type", ref("typeReference", "The field's type.")),
                        ("description", ref("text", "What the field holds. Becomes a doc comment.")),
                        ("json", ref("wireName", "The field's name in JSON, when it differs from the field's name.")),
                    ])),
                ]),
            ]),
        ])),
        ("wireName", object([
            ("description", "A name in JSON: any text that is not empty."),
            ("type", "string"),
            ("minLength", 1),
        ])),
        ("enumCase", object([
            ("description", "An enum case: its name, or `{ name, json }` when its JSON value differs from its name."),
            ("anyOf", [
                ref("lowerName", "A case name, also its JSON value."),
                object([
                    ("type", "object"),
                    ("additionalProperties", false),
                    ("required", ["name"]),
                    ("properties", object([
                        ("name", ref("lowerName", "The case's name, lowerCamelCase.")),
                        ("json", ref("wireName", "The case's JSON value.")),
                    ])),
                ]),
            ]),
        ])),
        ("fields", object([
            ("description", "A record's fields in order: `name: type` or `name: { type, description }`."),
            ("type", "object"),
            ("propertyNames", ref("lowerName", "A field name, lowerCamelCase.")),
            ("additionalProperties", ref("field", "A field.")),
        ])),
        ("typeDeclaration", object([
            ("description", "An enum (`enum: [a, b]`), a record with a description (`fields:`), or a record written as `field: type`."),
            ("if", object([("type", "object"), ("required", ["enum"])])),
            ("then", object([
                ("type", "object"),
                ("additionalProperties", false),
                ("properties", object([
                    ("enum", object([
                        ("description", "The enum's cases, lowerCamelCase; the JSON value is the case name unless `json` gives another."),
                        ("type", "array"),
                        ("minItems", 1),
                        ("uniqueItems", true),
                        ("items", ref("enumCase", "A case.")),
                    ])),
                    ("description", ref("text", "What the enum means. Becomes a doc comment.")),
                ])),
            ])),
            ("else", object([
                ("if", object([("type", "object"), ("required", ["fields"])])),
                ("then", object([
                    ("type", "object"),
                    ("additionalProperties", false),
                    ("properties", object([
                        ("fields", ref("fields", "The record's fields, in order.")),
                        ("description", ref("text", "What the record means. Becomes a doc comment.")),
                    ])),
                ])),
                ("else", object([
                    ("anyOf", [ref("fields", "A record: its fields, in order."), object([("type", "null")])]),
                ])),
            ])),
        ])),
        ("ioType", object([
            ("description", """
                A type reference, or a mapping of fields that declares an inline record \
                (named `<Service><Operation>Input`/`Output` or `<Workflow>Input`/`Output`).
                """),
            ("anyOf", [ref("typeReference", "A type."), ref("fields", "An inline record.")]),
        ])),
    ]

    // MARK: Policies (§4)

    private static func setting(_ body: String, _ description: String) -> JSONValue {
        object([
            ("description", .string(description)),
            ("anyOf", [
                ref(body, "Written inline."),
                ref("policyName", "The name of a policy, or `none`."),
            ]),
        ])
    }

    private static let policyBodies: [(String, JSONValue)] = [
        ("policies", object([
            ("type", "object"),
            ("additionalProperties", false),
            ("properties", object([
                ("retries", policySection("retry", "Named retry policies.")),
                ("circuitBreakers", policySection("circuitBreaker", "Named circuit breakers.")),
                ("rateLimits", policySection("rateLimit", "Named rate limits (token buckets on outgoing calls).")),
                ("bulkheads", policySection("bulkhead", "Named bulkheads (limits on concurrent calls).")),
                ("hedges", policySection("hedge", "Named hedging policies.")),
                ("caches", policySection("cache", "Named response caches (read operations only).")),
            ])),
        ])),
        ("retry", object([
            ("description", "Retries with exponential backoff and a retry budget."),
            ("type", "object"),
            ("additionalProperties", false),
            ("properties", object([
                ("maxAttempts", object([
                    ("description", "Attempts including the first, 1 to 10. 1 means no retry."),
                    ("type", "integer"), ("minimum", 1), ("maximum", 10), ("default", 3),
                ])),
                ("backoff", object([
                    ("description", "The delay before each retry: `initial`, multiplied by `multiplier` each time, at most `max`, with jitter."),
                    ("type", "object"),
                    ("additionalProperties", false),
                    ("properties", object([
                        ("initial", withDefault(ref("duration", "The first delay."), "25ms")),
                        ("max", withDefault(ref("duration", "The cap on one delay."), "1s")),
                        ("multiplier", object([
                            ("description", "Growth factor of the delay, at least 1."),
                            ("type", "number"), ("minimum", 1), ("default", 2),
                        ])),
                        ("jitter", object([
                            ("description", """
                                Randomisation of each delay: `full` (0 to the delay), `equal` (half the delay \
                                plus up to half), `decorrelated` (grows from the previous delay) or `none`.
                                """),
                            ("enum", ["full", "equal", "decorrelated", "none"]),
                            ("default", "full"),
                        ])),
                    ])),
                ])),
                ("retryOn", object([
                    ("description", "Error classes worth another attempt. `unknown` errors are retried only when listed."),
                    ("type", "array"),
                    ("minItems", 1),
                    ("items", ref("errorClass", "An error class.")),
                    ("default", ["timeout", "unavailable", "overloaded", "transient"]),
                ])),
                ("budget", object([
                    ("description", """
                        Retries (and hedges) allowed per service: a share of the calls plus a floor per \
                        second; `none` switches the budget off.
                        """),
                    ("default", object([("ratio", "20%"), ("minPerSecond", 10)])),
                    ("anyOf", [
                        object([
                            ("type", "object"),
                            ("additionalProperties", false),
                            ("properties", object([
                                ("ratio", withDefault(ref("ratio", "Retries as a share of calls."), "20%")),
                                ("minPerSecond", object([
                                    ("description", "Retries always allowed per second, whatever the share."),
                                    ("type", "integer"), ("minimum", 0), ("default", 10),
                                ])),
                            ])),
                        ]),
                        object([("const", "none")]),
                    ]),
                ])),
            ])),
        ])),
        ("errorClass", object([
            ("description", """
                How a failure is classified: `timeout`, `unavailable`, `overloaded` (may carry retry-after), \
                `transient`, `permanent`, `cancelled` or `unknown`.
                """),
            ("enum", ["timeout", "unavailable", "overloaded", "transient", "permanent", "cancelled", "unknown"]),
        ])),
        ("circuitBreaker", object([
            ("description", "A circuit breaker: fails calls at once while the downstream is unhealthy, then probes it."),
            ("type", "object"),
            ("additionalProperties", false),
            ("properties", object([
                ("mode", object([
                    ("description", "`rate`: opens on a failure share over a window of calls; `consecutive`: on a run of failures."),
                    ("enum", ["rate", "consecutive"]),
                    ("default", "rate"),
                ])),
                ("failureRate", withDefault(ref("ratio", "Rate mode: opens at or above this failure share."), "50%")),
                ("window", object([
                    ("description", "Rate mode: the number of recent calls the share is taken over."),
                    ("type", "integer"), ("minimum", 1), ("default", 20),
                ])),
                ("minCalls", object([
                    ("description", "Rate mode: calls seen before the breaker may open."),
                    ("type", "integer"), ("minimum", 1), ("default", 10),
                ])),
                ("slowCall", object([
                    ("description", "Slow calls count as failures: `{ threshold: 300ms, rate: 80% }`; off by default."),
                    ("anyOf", [
                        object([
                            ("type", "object"),
                            ("additionalProperties", false),
                            ("required", ["threshold", "rate"]),
                            ("properties", object([
                                ("threshold", ref("duration", "A call slower than this is slow.")),
                                ("rate", ref("ratio", "Opens when this share of calls is slow.")),
                            ])),
                        ]),
                        object([("const", "none")]),
                    ]),
                ])),
                ("consecutiveFailures", object([
                    ("description", "Consecutive mode: failures in a row that open the breaker."),
                    ("type", "integer"), ("minimum", 1), ("default", 5),
                ])),
                ("openFor", withDefault(ref("duration", "How long the breaker stays open before letting probes through."), "5s")),
                ("halfOpenProbes", object([
                    ("description", "Calls let through while half-open; their success closes the breaker."),
                    ("type", "integer"), ("minimum", 1), ("default", 1),
                ])),
                ("scope", object([
                    ("description", "What one breaker covers: each `endpoint` (the default when the service has endpoints) or the whole `service`."),
                    ("enum", ["endpoint", "service"]),
                ])),
            ])),
        ])),
        ("rateLimit", object([
            ("description", "A token bucket on outgoing calls; a call that finds no token waits up to `maxWait`, then fails as overloaded."),
            ("type", "object"),
            ("additionalProperties", false),
            ("required", ["rate"]),
            ("properties", object([
                ("rate", ref("rate", "Tokens added per unit of time.")),
                ("burst", object([
                    ("description", "Bucket size. Default: one second of the rate, at least 1."),
                    ("type", "integer"), ("minimum", 1),
                ])),
                ("maxWait", ref("duration", "How long a call may wait for a token. Default: no wait.")),
            ])),
        ])),
        ("bulkhead", object([
            ("description", "A limit on concurrent calls, with an optional bounded queue."),
            ("type", "object"),
            ("additionalProperties", false),
            ("required", ["maxConcurrent"]),
            ("properties", object([
                ("maxConcurrent", object([
                    ("description", "Calls in flight at once."),
                    ("type", "integer"), ("minimum", 1),
                ])),
                ("maxQueue", object([
                    ("description", "Calls that may wait for a slot; more fail as overloaded."),
                    ("type", "integer"), ("minimum", 0), ("default", 0),
                ])),
                ("queueTimeout", ref("duration", "How long a call may wait in the queue. Default: no wait.")),
            ])),
        ])),
        ("hedge", object([
            ("description", """
                Hedged reads: after `delay` another attempt starts (on another endpoint when there is one); \
                the first success wins. Hedges spend the retry budget.
                """),
            ("type", "object"),
            ("additionalProperties", false),
            ("required", ["delay"]),
            ("properties", object([
                ("delay", object([
                    ("description", "When to send the next attempt: a duration, or `p50` to `p99`, the service's recent latency percentile."),
                    ("anyOf", [
                        ref("duration", "A fixed delay."),
                        object([
                            ("description", "A recent latency percentile of the service."),
                            ("type", "string"),
                            ("pattern", "^p(5[0-9]|[6-9][0-9])(\\.[0-9]+)?$"),
                        ]),
                    ]),
                ])),
                ("maxAttempts", object([
                    ("description", "Attempts in flight at once, including the first, 2 to 5."),
                    ("type", "integer"), ("minimum", 2), ("maximum", 5), ("default", 2),
                ])),
            ])),
        ])),
        ("cache", object([
            ("description", "A response cache for a read operation."),
            ("type", "object"),
            ("additionalProperties", false),
            ("required", ["ttl"]),
            ("properties", object([
                ("ttl", ref("duration", "How long an entry is fresh.")),
                ("staleWhileRevalidate", ref("duration", """
                    How long past `ttl` a stale entry is served while one background refresh runs. Default: not at all.
                    """)),
                ("staleIfError", ref("duration", "How long past `ttl` a stale entry is served when the call fails. Default: not at all.")),
                ("maxEntries", object([
                    ("description", "Bound on entries; admission and eviction favour frequently used keys."),
                    ("type", "integer"), ("minimum", 1), ("default", 10000),
                ])),
                ("key", object([
                    ("description", "Input field paths that form the cache key. Default: every input field."),
                    ("type", "array"),
                    ("items", ref("fieldPath", "An input field path.")),
                ])),
            ])),
        ])),
    ]

    private static func policySection(_ body: String, _ description: String) -> JSONValue {
        object([
            ("description", .string(description)),
            ("type", "object"),
            ("propertyNames", object([
                ("$ref", "#/$defs/lowerName"),
                ("not", object([("const", "none")])),
                ("description", "A policy name, lowerCamelCase (`none` is reserved)."),
            ])),
            ("additionalProperties", ref(body, "A policy.")),
        ])
    }

    // MARK: Services (§5)

    private static let timeout: JSONValue = object([
        ("description", """
            Time allowed for one attempt; `none` switches off an inherited one. Without a timeout an \
            attempt is bounded only by the workflow's deadline.
            """),
        ("anyOf", [ref("duration", "A duration."), object([("const", "none")])]),
    ])

    /// The settings a service or operation may carry, each with its level's wording.
    private static func settings(_ level: String) -> [(String, JSONValue)] {
        [
            ("timeout", timeout),
            ("retry", setting("retry", "Retries for \(level): a retry policy inline, the name of one under `policies.retries`, or `none`.")),
            ("circuitBreaker", setting("circuitBreaker", "Circuit breaker for \(level): inline, the name of one under `policies.circuitBreakers`, or `none`.")),
            ("rateLimit", setting("rateLimit", "Rate limit for \(level): inline, the name of one under `policies.rateLimits`, or `none`.")),
            ("bulkhead", setting("bulkhead", "Bulkhead for \(level): inline, the name of one under `policies.bulkheads`, or `none`.")),
            ("hedge", setting("hedge", "Hedging for \(level): inline, the name of one under `policies.hedges`, or `none`. Writes need an `idempotencyKey`.")),
        ]
    }

    private static var services: [(String, JSONValue)] {
        [
            ("service", object([
                ("type", "object"),
                ("additionalProperties", false),
                ("required", ["operations"]),
                ("properties", object([
                    ("description", ref("text", "What the service does. Becomes a doc comment on its protocol.")),
                    ("endpoints", object([
                        ("description", "The service's endpoints; without them, routing is the client's job."),
                        ("type", "array"),
                        ("minItems", 1),
                        ("items", ref("endpoint", "An endpoint.")),
                    ])),
                    ("routing", ref("routing", "How calls choose an endpoint (needs `endpoints`).")),
                ] + settings("every operation of the service") + [
                    ("operations", object([
                        ("description", "The service's operations; each becomes a requirement of its protocol."),
                        ("type", "object"),
                        ("minProperties", 1),
                        ("propertyNames", ref("lowerName", "An operation name, lowerCamelCase.")),
                    ])),
                    ("http", ref("serviceHTTP", "The service is called over HTTP: every operation needs an `http` binding.")),
                    ("openapi", object([
                        ("description", """
                            An OpenAPI 3.0 or 3.1 document (YAML or JSON) describing the service, relative to this \
                            spec and inside its folder. Operations, their input and output types and HTTP bindings \
                            come from it; the base URL is `endpoints`, else `http.baseURL`, else its first server.
                            """),
                        ("type", "string"),
                        ("minLength", 1),
                    ])),
                ])),
                // Operations of an OpenAPI-described service name a document operation instead of
                // declaring input, output and a binding.
                ("if", object([("required", ["openapi"])])),
                ("then", object([
                    ("properties", object([
                        ("operations", object([
                            ("description", "Operations imported from the OpenAPI document."),
                            ("additionalProperties", ref("openAPIOperation", "An operation of the document.")),
                        ])),
                    ])),
                ])),
                ("else", object([
                    ("properties", object([
                        ("operations", object([
                            ("description", "The service's operations."),
                            ("additionalProperties", ref("operation", "An operation.")),
                        ])),
                    ])),
                ])),
            ])),
            ("openAPIOperation", object([
                ("type", "object"),
                ("additionalProperties", false),
                ("properties", object([
                    ("description", ref("text", "What the operation does; the document's description or summary by default.")),
                    ("operationId", object([
                        ("description", """
                            The document operation's `operationId`. Without it (and without `route`) the key must equal \
                            an operationId, exactly or in lowerCamelCase.
                            """),
                        ("type", "string"),
                        ("minLength", 1),
                    ])),
                    ("route", object([
                        ("description", "The document operation as `METHOD /path`, the path as the document writes it."),
                        ("type", "string"),
                        ("pattern", "^[A-Za-z]+ /"),
                    ])),
                    ("access", object([
                        ("description", "`read` or `write`, as for any operation."),
                        ("enum", ["read", "write"]),
                        ("default", "read"),
                    ])),
                    ("idempotencyKey", ref("fieldPath", """
                        The input field (or a path into one, such as `body.tripId`) whose value identifies the request.
                        """)),
                    ("cache", setting("cache", "Response cache (reads only): inline, the name of one under `policies.caches`, or `none`.")),
                    ("invalidates", object([
                        ("description", "Writes only: cached read operations (`service.operation`) this write makes stale."),
                        ("type", "array"),
                        ("items", ref("operationReference", "A cached read operation.")),
                    ])),
                ] + settings("this operation (overrides the service's)"))),
                ("not", object([
                    ("description", "`operationId` and `route` name the document operation two ways: write one."),
                    ("required", ["operationId", "route"]),
                ])),
            ])),
            ("serviceHTTP", object([
                ("type", "object"),
                ("additionalProperties", false),
                ("properties", object([
                    ("baseURL", object([
                        ("description", "The base URL (`http://` or `https://`) when the service has no `endpoints`; with endpoints each `url` is a base URL."),
                        ("type", "string"),
                        ("pattern", "^[Hh][Tt][Tt][Pp][Ss]?://[^\\s]+$"),
                    ])),
                    ("headers", object([
                        ("description", "Static headers sent on every request: header name → value."),
                        ("type", "object"),
                        ("propertyNames", ref("headerName", "A header name.")),
                        ("additionalProperties", object([("type", ["string", "number", "boolean"])])),
                    ])),
                ])),
            ])),
            ("headerName", object([
                ("description", "A header name (an RFC 9110 token), not one Baton sets itself."),
                ("type", "string"),
                ("pattern", "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$"),
            ])),
            ("workflowHTTP", object([
                ("type", "object"),
                ("additionalProperties", false),
                ("required", ["method", "path"]),
                ("properties", object([
                    ("method", object([
                        ("description", "`POST`, `PUT`, `PATCH`: the JSON body is the input. `GET`, `DELETE`: the input comes from the path placeholders and the query string."),
                        ("enum", ["GET", "POST", "PUT", "PATCH", "DELETE"]),
                    ])),
                    ("path", object([
                        ("description", "The route, starting with `/`; for `GET`/`DELETE`, `{field}` placeholders take required string, int, uuid or enum input fields."),
                        ("type", "string"),
                        ("pattern", "^/[^?#\\s]*$"),
                    ])),
                ])),
            ])),
            ("operationHTTP", object([
                ("type", "object"),
                ("additionalProperties", false),
                ("required", ["method", "path"]),
                ("properties", object([
                    ("method", object([
                        ("description", "The request method. `GET` and `DELETE` send the input in the path and the query string; the others in a JSON body."),
                        ("enum", ["GET", "POST", "PUT", "PATCH", "DELETE"]),
                    ])),
                    ("path", object([
                        ("description", "The path below the base URL, starting with `/`; `{field}` placeholders take required string, int, uuid or enum input fields."),
                        ("type", "string"),
                        ("pattern", "^/[^?#\\s]*$"),
                    ])),
                    ("query", object([
                        ("description", "Input fields sent as query parameters (scalars or lists of scalars). `GET`/`DELETE` send every field not placed elsewhere there anyway."),
                        ("type", "array"),
                        ("items", ref("lowerName", "An input field.")),
                    ])),
                    ("headers", object([
                        ("description", "Input fields sent as request headers: header name → input field."),
                        ("type", "object"),
                        ("propertyNames", ref("headerName", "A header name.")),
                        ("additionalProperties", ref("lowerName", "An input field.")),
                    ])),
                    ("body", ref("lowerName", """
                        `POST`, `PUT`, `PATCH`: the input field whose value is the JSON body; the fields left over go \
                        to the query string. Without it, every field not placed elsewhere goes into a JSON object body.
                        """)),
                ])),
            ])),
            ("endpoint", object([
                ("type", "object"),
                ("additionalProperties", false),
                ("required", ["url"]),
                ("properties", object([
                    ("url", object([("description", "Where the endpoint is; passed to your service in the call context."), ("type", "string"), ("minLength", 1)])),
                    ("region", object([("description", "The endpoint's region, for `region-first` routing and rules."), ("type", "string")])),
                    ("weight", object([("description", "Relative share of traffic."), ("type", "integer"), ("minimum", 1), ("default", 1)])),
                    ("role", object([
                        ("description", "`primary` or `replica`; when roles are given, writes go to primaries."),
                        ("enum", ["primary", "replica"]),
                    ])),
                    ("variant", object([("description", "A label routing rules may select (`use: { variant: lite }`)."), ("type", "string")])),
                ])),
            ])),
            ("routing", object([
                ("type", "object"),
                ("additionalProperties", false),
                ("properties", object([
                    ("strategy", object([
                        ("description", """
                            How an endpoint is chosen: `round-robin`, `random`, `least-latency` (power of two \
                            choices on peak EWMA latency) or `region-first` (the local region, failing over to others).
                            """),
                        ("enum", ["round-robin", "random", "least-latency", "region-first"]),
                        ("default", "round-robin"),
                    ])),
                    ("localRegion", object([
                        ("description", "The region `region-first` prefers (required with it); an endpoint must be in it."),
                        ("type", "string"),
                    ])),
                    ("outlierDetection", object([
                        ("description", "Ejects endpoints that fail repeatedly, for a while."),
                        ("type", "object"),
                        ("additionalProperties", false),
                        ("properties", object([
                            ("consecutiveFailures", object([
                                ("description", "Failures in a row that eject an endpoint."),
                                ("type", "integer"), ("minimum", 1), ("default", 5),
                            ])),
                            ("ejectFor", withDefault(ref("duration", "How long an ejected endpoint stays out."), "30s")),
                            ("maxEjected", withDefault(ref("ratio", "At most this share of endpoints is ejected at once."), "10%")),
                        ])),
                    ])),
                    ("rules", object([
                        ("description", "Rules evaluated in order on live statistics; the first that matches applies."),
                        ("type", "array"),
                        ("items", ref("routingRule", "A routing rule.")),
                    ])),
                ])),
                ("if", object([("properties", object([("strategy", object([("const", "region-first")]))])), ("required", ["strategy"])])),
                ("then", object([("required", ["localRegion"])])),
            ])),
            ("routingRule", object([
                ("type", "object"),
                ("additionalProperties", false),
                ("required", ["when"]),
                ("oneOf", [
                    object([("required", ["use"])]),
                    object([("required", ["prefer"])]),
                    object([("required", ["avoid"])]),
                ]),
                ("properties", object([
                    ("name", object([("description", "Names the rule in logs when it starts or stops applying."), ("type", "string")])),
                    ("when", object([
                        ("description", """
                            A condition on the service's live statistics: comparisons (`<`, `<=`, `>`, `>=`) of \
                            `p50`, `p90`, `p99` (durations), `errorRate`, `healthy` (ratios) and `inflight` (a count), \
                            joined by `and`/`or`, with parentheses: `"p99 > 300ms or errorRate > 5%"`.
                            """),
                        ("type", "string"),
                        ("minLength", 1),
                    ])),
                    ("use", ref("routingTarget", "Send calls only to these endpoints while the rule applies.")),
                    ("prefer", ref("routingTarget", "Prefer these endpoints while the rule applies, falling back to others.")),
                    ("avoid", ref("routingTarget", "Avoid these endpoints while the rule applies, unless nothing else is left.")),
                ])),
            ])),
            ("routingTarget", object([
                ("description", "Endpoints with a `variant` or in a `region` (exactly one of the two)."),
                ("type", "object"),
                ("additionalProperties", false),
                ("minProperties", 1),
                ("maxProperties", 1),
                ("properties", object([
                    ("variant", object([("description", "An endpoint variant."), ("type", "string")])),
                    ("region", object([("description", "An endpoint region."), ("type", "string")])),
                ])),
            ])),
            ("operation", object([
                ("type", "object"),
                ("additionalProperties", false),
                ("required", ["input", "output"]),
                ("properties", object([
                    ("description", ref("text", "What the operation does. Becomes a doc comment on its requirement.")),
                    ("input", ref("ioType", "The request type.")),
                    ("output", ref("ioType", "The response type.")),
                    ("access", object([
                        ("description", """
                            `read` or `write`. Writes are never cached, and never retried or hedged unless they \
                            declare an `idempotencyKey`; with endpoint roles they go to primaries.
                            """),
                        ("enum", ["read", "write"]),
                        ("default", "read"),
                    ])),
                    ("idempotencyKey", ref("fieldPath", """
                        The input field whose value identifies the request, making a write safe to retry; \
                        passed to your service in the call context.
                        """)),
                    ("cache", setting("cache", "Response cache (reads only): inline, the name of one under `policies.caches`, or `none`.")),
                    ("invalidates", object([
                        ("description", """
                            Writes only: cached read operations (`service.operation`) whose entries this write makes \
                            stale; entries whose key fields equal the write input's fields of the same name are dropped.
                            """),
                        ("type", "array"),
                        ("items", ref("operationReference", "A cached read operation.")),
                    ])),
                    ("http", ref("operationHTTP", "How the operation is called over HTTP: method, path and where the input fields go.")),
                ] + settings("this operation (overrides the service's)"))),
            ])),
        ]
    }

    // MARK: Workflows (§6)

    private static var workflows: [(String, JSONValue)] {
        [
            ("workflow", object([
                ("type", "object"),
                ("additionalProperties", false),
                ("required", ["input", "output", "deadline", "steps", "result"]),
                ("properties", object([
                    ("description", ref("text", "What the workflow does. Becomes a doc comment on its method.")),
                    ("input", ref("ioType", "What callers pass; steps read it as `$input`.")),
                    ("output", ref("ioType", "What the workflow returns; `result` builds it.")),
                    ("deadline", ref("duration", """
                        Required. The time the whole run may take, from the call's start: every step, retry, \
                        backoff and hedge fits in it; running steps are cancelled when it expires.
                        """)),
                    ("admission", ref("admission", "Limits on incoming calls; a rejected call fails at once as overloaded, with retry-after.")),
                    ("slo", ref("slo", """
                        Service level objectives. `baton alerts` turns them into Prometheus recording rules and \
                        burn-rate alerts (`BatonSLOBurn`, severity `page` or `ticket`).
                        """)),
                    ("http", ref("workflowHTTP", """
                        Serves the workflow as one HTTP route (generated `X.Server.swift`, `baton openapi`): 200 with \
                        the output, 400/429/502/503/504 as problem details.
                        """)),
                    ("steps", object([
                        ("description", """
                            The steps. Each starts as soon as the steps it references (in `with`, `when` and a \
                            fallback's `with`) and those in `after` have finished.
                            """),
                        ("type", "object"),
                        ("minProperties", 1),
                        ("propertyNames", object([
                            ("$ref", "#/$defs/lowerName"),
                            ("not", object([("const", "input")])),
                            ("description", "A step name, lowerCamelCase (`input` is reserved for `$input`)."),
                        ])),
                        ("additionalProperties", ref("step", "A step.")),
                    ])),
                    ("result", ref("expression", "Builds the output from `$input` and the steps' values.")),
                ])),
            ])),
            ("slo", object([
                ("description", "Objectives measured on `baton_workflow_duration_seconds`: `availability`, `latency` or both."),
                ("type", "object"),
                ("additionalProperties", false),
                ("anyOf", [
                    object([("required", ["availability"])]),
                    object([("required", ["latency"])]),
                ]),
                ("properties", object([
                    ("availability", ref("objective", "The share of runs that must produce output (complete or incomplete), e.g. `99.9%`.")),
                    ("latency", object([
                        ("description", "The share of runs producing output that must produce it within `threshold`."),
                        ("type", "object"),
                        ("additionalProperties", false),
                        ("required", ["threshold", "target"]),
                        ("properties", object([
                            ("threshold", ref("duration", """
                                A run with output within this time is good. Keep it below the deadline (`slo-budget`); \
                                generated orchestrators make it a histogram bucket boundary.
                                """)),
                            ("target", ref("objective", "The share of runs with output that must be within the threshold, e.g. `99%`.")),
                        ])),
                    ])),
                    ("window", object([
                        ("description", "The rolling window the objectives cover: whole days (`28d`, `7d`, at most `365d`), weeks (`4w`) or a duration. Default `28d`."),
                        ("type", "string"),
                        ("pattern", "^([1-9][0-9]{0,2}d|[1-9][0-9]?w|(?=[^1-9]*[1-9])([0-9]+(\\.[0-9]+)?(us|ms|s|m|h))+)$"),
                        ("default", "28d"),
                    ])),
                ])),
            ])),
            ("admission", object([
                ("description", "`{ rate, burst, maxConcurrent }` or `{ maxConcurrent, classes }`."),
                ("type", "object"),
                ("additionalProperties", false),
                ("anyOf", [
                    object([("required", ["rate"])]),
                    object([("required", ["maxConcurrent"])]),
                    object([("required", ["classes"])]),
                ]),
                ("dependentRequired", object([("burst", ["rate"])])),
                ("if", object([("required", ["classes"])])),
                ("then", object([("properties", object([("rate", false), ("burst", false)]))])),
                ("properties", object([
                    ("rate", ref("rate", "Calls admitted per unit of time.")),
                    ("burst", object([
                        ("description", "Calls admitted at once above the rate. Default: one second of the rate, at least 1."),
                        ("type", "integer"), ("minimum", 1),
                    ])),
                    ("maxConcurrent", object([
                        ("description", "Runs in progress at once."),
                        ("type", "integer"), ("minimum", 1),
                    ])),
                    ("classes", object([
                        ("description", """
                            Caller classes with their own rate, so automation cannot starve users. Callers pass a \
                            class; the first is the default.
                            """),
                        ("type", "object"),
                        ("minProperties", 1),
                        ("propertyNames", ref("lowerName", "A class name, lowerCamelCase.")),
                        ("additionalProperties", object([
                            ("type", "object"),
                            ("additionalProperties", false),
                            ("required", ["rate"]),
                            ("properties", object([
                                ("rate", ref("rate", "Calls of this class admitted per unit of time.")),
                                ("burst", object([
                                    ("description", "Calls of this class admitted at once above the rate. Default: one second of the rate, at least 1."),
                                    ("type", "integer"), ("minimum", 1),
                                ])),
                            ])),
                        ])),
                    ])),
                ])),
            ])),
            ("step", object([
                ("type", "object"),
                ("additionalProperties", false),
                ("required", ["call"]),
                ("properties", object([
                    ("call", ref("operationReference", "The operation the step calls, as `service.operation`.")),
                    ("with", ref("expression", "The operation's input: a mapping built field by field, or a reference.")),
                    ("after", object([
                        ("description", "Steps this one waits for without using their values."),
                        ("type", "array"),
                        ("items", ref("lowerName", "A step name.")),
                    ])),
                    ("optional", object([
                        ("description", "When true, a failure leaves this step's value out (the result says so) instead of failing the workflow."),
                        ("type", "boolean"),
                        ("default", false),
                    ])),
                    ("fallback", ref("fallback", "What to use when the call fails after its retries.")),
                    ("compensate", object([
                        ("description", """
                            The call that undoes this step when a later required step fails; compensations run in \
                            reverse order of completion, each at most once.
                            """),
                        ("type", "object"),
                        ("additionalProperties", false),
                        ("required", ["call"]),
                        ("properties", object([
                            ("call", ref("operationReference", "The undoing operation.")),
                            ("with", ref("expression", "Its input; may read this step's value and the steps it depends on.")),
                        ])),
                    ])),
                    ("mode", object([
                        ("description", "`await` (the default) or `async`: queued in the background, not awaited; its output cannot be used."),
                        ("enum", ["await", "async"]),
                        ("default", "await"),
                    ])),
                    ("when", object([
                        ("description", """
                            Runs the step only when this holds: `$ref` (a bool), `!$ref`, `$ref == literal` or \
                            `$ref != literal`. An absent value counts as false. Quote it in YAML.
                            """),
                        ("type", "string"),
                        ("pattern", "^\\s*(!\\s*)?\\$[A-Za-z]"),
                    ])),
                    ("timeout", timeout),
                    ("retry", setting("retry", "Retries for this step (overrides the operation's): inline, a policy name, or `none`.")),
                    ("circuitBreaker", setting("circuitBreaker", "Circuit breaker for this step (overrides the operation's): inline, a policy name, or `none`.")),
                    ("hedge", setting("hedge", "Hedging for this step (overrides the operation's): inline, a policy name, or `none`.")),
                ])),
            ])),
            ("fallback", object([
                ("description", "`{ value: … }`, `{ call, with }` (same output type) or `{ stale: true }` (the cached value, any age)."),
                ("oneOf", [
                    object([
                        ("type", "object"),
                        ("additionalProperties", false),
                        ("required", ["value"]),
                        ("properties", object([
                            ("value", ref("expression", "A literal of the operation's output type.")),
                        ])),
                    ]),
                    object([
                        ("type", "object"),
                        ("additionalProperties", false),
                        ("required", ["call"]),
                        ("properties", object([
                            ("call", ref("operationReference", "Another operation with the same output type.")),
                            ("with", ref("expression", "Its input.")),
                        ])),
                    ]),
                    object([
                        ("type", "object"),
                        ("additionalProperties", false),
                        ("required", ["stale"]),
                        ("properties", object([
                            ("stale", object([
                                ("description", "Serve the stale cached value of this step's operation, any age (it needs a cache)."),
                                ("const", true),
                            ])),
                        ])),
                    ]),
                ]),
            ])),
            ("expression", object([
                ("description", """
                    `$input`, `$input.a.b`, `$step`, `$step.a.b` are values; `$x.list[].field` projects a list. \
                    Other scalars and lists are literals; a mapping builds a record (or a dictionary) field by \
                    field. A literal text that starts with `$` is written `$$…`.
                    """),
            ])),
        ]
    }

    // MARK: Helpers

    private static func object(_ entries: [(String, JSONValue)]) -> JSONValue { .object(entries) }

    private static func ref(_ definition: String, _ description: String) -> JSONValue {
        .object([("$ref", .string("#/$defs/\(definition)")), ("description", .string(description))])
    }

    private static func withDefault(_ value: JSONValue, _ defaultValue: JSONValue) -> JSONValue {
        guard case .object(let entries) = value else { return value }
        return .object(entries + [("default", defaultValue)])
    }
}
