/// Serves a step through its operation's ``ResponseCache`` (spec-v1 §4 `cache`), the outermost
/// policy of the step (§7.4: cache → fallback → retry → …).
///
/// Built from the operation's cache and the function that computes the request's key fields from
/// the run's input and the dependency values — the same expressions as the step's `with` for the
/// fields the spec's `key` names (all input fields by default). Generated code makes the cache
/// once in the orchestrator's `init` (one per cached operation, shared by every workflow and step
/// that calls it) and passes a `StepCache` to
/// ``WorkflowBuilder/step(_:service:dependsOn:optional:when:policy:idempotencyKey:idempotency:cache:invalidates:fallback:compensation:call:)``:
///
/// ```swift
/// // Generated for `quote: { call: pricing.quote, with: { items: $cart.items } }` where
/// // pricing.quote has `cache: { ttl: 10s, staleWhileRevalidate: 1m, key: [items] }`.
/// struct PricingQuoteCacheKey: Hashable, Sendable { var items: [String] }
///
/// let pricingQuoteCache = ResponseCache<PricingQuoteCacheKey, Quote>(
///     service: "pricing", operation: "quote",
///     policy: CachePolicy(ttl: .seconds(10), staleWhileRevalidate: .seconds(60)),
///     clock: clock, telemetry: telemetry
/// )
/// let quoteStep: StepKey<Quote> = checkout.step(
///     "quote",
///     service: "pricing",
///     dependsOn: [cartStep.id],
///     policy: pricingQuotePolicy,
///     cache: StepCache(pricingQuoteCache) { (_: CheckoutRequest, values: StepValues) -> PricingQuoteCacheKey in
///         PricingQuoteCacheKey(items: values[cartStep].skus)
///     },
///     fallback: .stale,                                   // only with `fallback: { stale: true }`
///     call: { (_: CheckoutRequest, values: StepValues, context: CallContext) async throws -> Quote in
///         try await pricing.quote(QuoteRequest(items: values[cartStep].skus), context: context)
///     }
/// )
/// ```
///
/// In a run the step's outcome is `cached(fresh)` for a fresh hit (or a miss that joined another
/// request's call), `cached(stale)` for a stale value (stale-while-revalidate, stale-if-error, or
/// the `.stale` fallback — then with the failed call's error class) and `succeeded` when the step
/// made the call. Background refreshes call the step's `call` under the step's policy with a
/// context of their own (the run's correlation id, a deadline of the workflow's compensation
/// timeout from their start).
public struct StepCache<Input: Sendable, Output: Sendable>: Sendable {
    typealias Fetch = @Sendable (
        _ input: Input,
        _ values: StepValues,
        _ load: () async throws -> Output,
        _ refresh: @escaping @Sendable () async throws -> Output
    ) async throws -> CacheResponse<Output>

    let fetch: Fetch
    let stale: @Sendable (Input, StepValues) async -> Output?

    /// - Parameters:
    ///   - cache: The cached operation's cache.
    ///   - key: The request's key fields, from the run's input and the step's dependency values.
    public init<Key>(
        _ cache: ResponseCache<Key, Output>,
        key: @escaping @Sendable (Input, StepValues) -> Key
    ) {
        fetch = { input, values, load, refresh in
            try await cache.value(for: key(input, values), load: load, refresh: refresh)
        }
        stale = { input, values in
            await cache.serveStale(for: key(input, values))
        }
    }
}

/// Drops a cached read operation's entries after a write step succeeds (spec-v1 §5
/// `invalidates`).
///
/// The predicate receives the run's input, the step values and a cached key; it returns whether
/// the key's fields equal the write input's fields of the same name. When the write shares no
/// field with the cached operation's key, use ``all(_:)``.
///
/// ```swift
/// // commitPrice (input { quoteId, orderId }) `invalidates: [pricing.quote]`, whose key is { quoteId }
/// invalidates: [
///     CacheInvalidation(pricingQuoteCache) { (input: CheckoutRequest, values: StepValues, key: PricingQuoteCacheKey) -> Bool in
///         key.quoteId == values[quoteStep].id
///     }
/// ]
/// ```
public struct CacheInvalidation<Input: Sendable>: Sendable {
    let run: @Sendable (Input, StepValues) async -> Void
    /// What the other replicas are told to drop (``CacheInvalidationBus``); `nil` when the
    /// invalidation was declared without a name.
    let message: (@Sendable (Input, StepValues) -> CacheInvalidationMessage)?

    /// Drops the entries of `cache` whose key matches.
    public init<Key, Value>(
        _ cache: ResponseCache<Key, Value>,
        matching: @escaping @Sendable (Input, StepValues, Key) -> Bool
    ) {
        run = { input, values in
            await cache.invalidate { key in matching(input, values, key) }
        }
        message = nil
    }

    /// Drops the entries of `cache` whose key fields `fields` equal the write request's fields of
    /// the same name (spec-v1 §5 `invalidates`), here and — through the orchestrator's
    /// ``CacheInvalidationBus`` — in the other replicas.
    ///
    /// - Parameters:
    ///   - cache: The cached operation's cache.
    ///   - name: The cached operation, `service.operation` (how other replicas find their cache).
    ///   - fields: The key fields shared with the request, compared by name.
    ///   - request: The write's request, from the run's input and values.
    ///   - matching: Whether a key's `fields` equal the request's (the local comparison).
    public init<Key, Value, Request: Encodable & Sendable>(
        _ cache: ResponseCache<Key, Value>,
        name: String,
        fields: [String],
        request: @escaping @Sendable (Input, StepValues) -> Request,
        matching: @escaping @Sendable (Request, Key) -> Bool
    ) {
        run = { input, values in
            let request = request(input, values)
            await cache.invalidate { key in matching(request, key) }
        }
        message = { input, values in
            // An unencodable request (never for generated types) drops every entry remotely.
            guard case .object(let object)? = try? JSONValue(encoding: request(input, values)) else {
                return CacheInvalidationMessage(cache: name, match: nil)
            }
            var match: [String: JSONValue] = [:]
            for field in fields { match[field] = object[field] ?? .null }
            return CacheInvalidationMessage(cache: name, match: match)
        }
    }

    /// Drops every entry of `cache`.
    public static func all<Key, Value>(_ cache: ResponseCache<Key, Value>) -> CacheInvalidation {
        CacheInvalidation(run: { _, _ in await cache.invalidateAll() }, message: nil)
    }

    /// Drops every entry of `cache`, here and in the other replicas (through the orchestrator's
    /// ``CacheInvalidationBus``).
    ///
    /// - Parameters:
    ///   - cache: The cached operation's cache.
    ///   - name: The cached operation, `service.operation`.
    public static func all<Key, Value>(_ cache: ResponseCache<Key, Value>, name: String) -> CacheInvalidation {
        CacheInvalidation(
            run: { _, _ in await cache.invalidateAll() },
            message: { _, _ in CacheInvalidationMessage(cache: name, match: nil) }
        )
    }

    private init(
        run: @escaping @Sendable (Input, StepValues) async -> Void,
        message: (@Sendable (Input, StepValues) -> CacheInvalidationMessage)?
    ) {
        self.run = run
        self.message = message
    }

    /// Drops the local entries, then tells the other replicas.
    func apply(_ input: Input, _ values: StepValues, bus: any CacheInvalidationBus) async {
        await run(input, values)
        if bus.isShared, let message {
            await bus.publish(message(input, values))
        }
    }
}
