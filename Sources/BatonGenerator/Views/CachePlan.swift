import BatonNaming
import BatonSpec

/// The response caches of a spec: one per cached read operation, shared by every workflow, with a
/// key type built from the operation's `key` fields.
struct CachePlan {
    struct KeyField {
        var name: String
        var path: [String]
        /// For each part of `path`, whether the value it is read from is optional (`?.`).
        var optionalBefore: [Bool]
        var type: TypeRef
    }

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

    init(spec: ResolvedSpec) throws {
        self.spec = spec
        for service in spec.services {
            for operation in service.operations where operation.access == .read {
                guard let policy = operation.cache else { continue }
                caches.append(Cache(
                    operation: operation.ref,
                    member: SwiftIdentifier.lowerCamel(SwiftIdentifier.upperCamel(service.name) + SwiftIdentifier.upperCamel(operation.name)),
                    keyType: GeneratedNames.cacheKey(service: service.name, operation: operation.name),
                    valueType: SwiftType.name(operation.output),
                    keyFields: try policy.key.map { try keyField($0, in: operation.input, location: operation.location) },
                    policy: policy
                ))
            }
        }
    }

    func cache(for operation: OperationRef) -> Cache? {
        caches.first { $0.operation == operation }
    }

    /// `a.b` of the input type: its type (optional if any part is) and a field name `aB`.
    private func keyField(_ path: String, in input: TypeRef, location: SourceLocation) throws -> KeyField {
        let parts = path.split(separator: ".").map(String.init)
        var type = input
        var optional = false
        var optionalBefore: [Bool] = []
        for part in parts {
            optionalBefore.append(type.isOptional)
            optional = optional || type.isOptional
            guard let field = type.unwrapped.namedCore.flatMap({ spec.type(named: $0) })?.field(part) else {
                throw GeneratorError("cache key '\(path)': no field '\(part)' in \(type)", at: location)
            }
            type = field.type
        }
        let name = parts.enumerated().map { $0.offset == 0 ? $0.element : SwiftIdentifier.upperCamel($0.element) }.joined()
        return KeyField(name: name, path: parts, optionalBefore: optionalBefore, type: optional ? type.optional : type)
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
