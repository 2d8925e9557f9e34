import BatonLowering
import BatonNaming
import BatonSpec

/// The response caches of a spec: one per cached read operation, shared by every workflow, with a
/// key type built from the operation's `key` fields.
struct CachePlan {
    typealias KeyField = LoweredCache.KeyField

    struct Cache {
        var operation: OperationRef
        /// `cartGetCart`: the member of the orchestrator's `Caches`.
        var member: String
        /// `CartGetCartCacheKey`.
        var keyType: String
        var valueType: String
        var keyFields: [KeyField]
        var policy: CachePolicy
    }

    let spec: ResolvedSpec
    private(set) var caches: [Cache] = []

    /// The Swift names of the caches the spec lowers to (``LoweredCache``, shared with
    /// `baton simulate`).
    init(spec: ResolvedSpec, lowered: [LoweredCache]) {
        self.spec = spec
        caches = lowered.map { cache in
            Cache(
                operation: cache.operation,
                member: SwiftIdentifier.lowerCamel(SwiftIdentifier.upperCamel(cache.operation.service) + SwiftIdentifier.upperCamel(cache.operation.operation)),
                keyType: GeneratedNames.cacheKey(service: cache.operation.service, operation: cache.operation.operation),
                valueType: SwiftType.name(cache.output),
                keyFields: cache.keyFields,
                policy: cache.policy
            )
        }
    }

    func cache(for operation: OperationRef) -> Cache? {
        caches.first { $0.operation == operation }
    }

    /// `request.a?.b`: a key field read from a built request.
    func access(_ field: KeyField, on request: SwiftExpr) -> SwiftExpr {
        zip(field.path, field.optionalBefore).reduce(request) { code, hop in
            .member(hop.1 ? .postfix(code, "?") : code, SwiftIdentifier.escaped(hop.0))
        }
    }

    /// The key of `cache` from the request in `request`.
    func keyExpression(_ cache: Cache, request: SwiftExpr) -> SwiftExpr {
        .call(cache.keyType, cache.keyFields.map { SwiftArgument(SwiftIdentifier.label($0.name), access($0, on: request)) })
    }

    /// The `ResponseCache` construction for the orchestrator's initialiser.
    func construction(_ cache: Cache) -> SwiftExpr {
        var policy = [SwiftArgument("ttl", PolicyPlan.duration(cache.policy.ttl))]
        if cache.policy.staleWhileRevalidate > .zero {
            policy.append(SwiftArgument("staleWhileRevalidate", PolicyPlan.duration(cache.policy.staleWhileRevalidate)))
        }
        if cache.policy.staleIfError > .zero { policy.append(SwiftArgument("staleIfError", PolicyPlan.duration(cache.policy.staleIfError))) }
        policy.append(SwiftArgument("maxEntries", .text("\(cache.policy.maxEntries)")))
        return .call("BatonRuntime.ResponseCache<\(cache.keyType), \(cache.valueType)>", [
            SwiftArgument("service", .text(SwiftLiteral.string(cache.operation.service))),
            SwiftArgument("operation", .text(SwiftLiteral.string(cache.operation.operation))),
            SwiftArgument("policy", .call("BatonRuntime.CachePolicy", policy)),
            SwiftArgument("clock", .text("options.clock")),
            SwiftArgument("telemetry", .text("options.telemetry")),
        ])
    }
}
