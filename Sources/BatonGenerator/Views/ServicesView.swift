import BatonNaming
import BatonSpec

/// What `services.mustache` renders: one protocol per downstream service.
struct ServicesView {
    struct ServiceView {
        var protocolName: String
        var docComment: String
        var access: String
        var operations: [OperationView]
    }

    struct OperationView {
        var docComment: String
        /// `func name(_ input: …, context: …) async throws -> Output`, continuing at four spaces.
        var requirement: String
    }

    var header: String
    var services: [ServiceView]

    init(spec: ResolvedSpec, options: GeneratorOptions) {
        header = options.header(for: spec)
        services = spec.services.map { service in
            ServiceView(
                protocolName: GeneratedNames.serviceProtocol(service.name),
                docComment: SwiftLiteral.docComment(service.description),
                access: options.accessModifier.rawValue,
                operations: service.operations.map { operation in
                    OperationView(
                        docComment: SwiftLiteral.docComment(Self.operationDoc(operation), indent: "    "),
                        requirement: String(Self.requirement(operation, indent: 4).dropFirst(4))
                    )
                }
            )
        }
    }

    /// `func quote(_ input: QuoteRequest, context: BatonRuntime.CallContext) async throws -> Quote`
    /// at `indent`, parameters one per line when it is too long: the protocol requirement and,
    /// with ` {`, the mock's implementation.
    /// `modifiers` (such as `public `) come before `func` and count for line wrapping.
    static func requirement(_ operation: ResolvedOperation, modifiers: String = "", tail: String = "", indent: Int) -> String {
        let signature = SwiftSignature(
            ["_ input: \(SwiftType.name(operation.input))", "context: BatonRuntime.CallContext"],
            "async throws -> \(SwiftType.name(operation.output))"
        )
        return SwiftRenderer().declaration("\(modifiers)func \(SwiftIdentifier.escaped(operation.name))", signature, tail: tail, indent: indent)
    }

    /// The description, plus what callers need to know about writes.
    private static func operationDoc(_ operation: ResolvedOperation) -> String? {
        var parts: [String] = []
        if let description = operation.description { parts.append(description) }
        if operation.access == .write {
            if let key = operation.idempotencyKey {
                parts.append("A write, made safe to retry by `\(key)`: `context.idempotencyKey` carries its value; deduplicate on it.")
            } else {
                parts.append("A write without an idempotency key: Baton never retries or hedges it.")
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "\n\n")
    }
}

/// The scoped imports of generated tests and mocks.
enum TypeImports {
    /// `struct Checkout.Cart`, `enum Checkout.StockLevel`, …: one scoped import per spec type for
    /// the generated tests and mocks. The tests import Foundation, BatonRuntime and BatonTesting
    /// too, so a spec type named like one of their types (`Date`, `URL`, `CallContext`) would be
    /// ambiguous there; a scoped import takes precedence over whole-module imports, and qualifying
    /// with the module name instead would break when a spec type has the module's name.
    static func scoped(_ spec: ResolvedSpec, module: String) -> [String] {
        spec.types.map { "\($0.isEnum ? "enum" : "struct") \(module).\(SwiftIdentifier.escaped($0.name))" }
    }
}
