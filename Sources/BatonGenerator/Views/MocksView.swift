import BatonSpec

/// What `mocks.mustache` renders: fixtures for every type and a scripted mock per service.
struct MocksView {
    struct Fixture {
        var identifier: String
        var typeName: String
        var expression: String
    }

    struct Service {
        var protocolName: String
        var mockName: String
        var operations: [Operation]
    }

    struct Operation {
        var identifier: String
        /// The mock's `init` parameter for the operation's script, and the name it has inside:
        /// an operation may be called `clock` or `self`, which the initialiser uses itself (a
        /// trailing `_` cannot occur in a spec name, so it cannot clash).
        var parameter: String
        var argument: String
        /// `"service.operation"`, the name the mock's waits report.
        var nameLiteral: String
        var inputType: String
        var outputType: String
        var outputFixture: String
    }

    var header: String
    var module: String
    var typeImports: [String]
    var fixturesName: String
    var fixtures: [Fixture]
    var services: [Service]

    init(spec: ResolvedSpec, options: GeneratorOptions) {
        header = options.header(for: spec)
        module = options.testedModule ?? spec.name
        typeImports = Naming.typeImports(spec, module: module)
        let values = FixtureValues(spec: spec)
        fixturesName = values.namespace
        fixtures = spec.types.map { type in
            Fixture(
                identifier: FixtureValues.member(type.name),
                typeName: SwiftIdentifier.escaped(type.name),
                expression: values.construction(of: type)
            )
        }
        services = spec.services.map { service in
            Service(
                protocolName: Naming.serviceProtocol(service.name),
                mockName: Naming.serviceMock(service.name),
                operations: service.operations.map { operation in
                    let identifier = SwiftIdentifier.escaped(operation.name)
                    let shadows = ["clock", "self"].contains(operation.name)
                    return Operation(
                        identifier: identifier,
                        parameter: shadows ? "\(SwiftIdentifier.label(operation.name)) \(operation.name)_" : identifier,
                        argument: shadows ? "\(operation.name)_" : identifier,
                        nameLiteral: SwiftLiteral.string(operation.ref.description),
                        inputType: SwiftType.name(operation.input),
                        outputType: SwiftType.name(operation.output),
                        outputFixture: values.value(of: operation.output, path: [])
                    )
                }
            )
        }
    }
}

/// Deterministic sample values: strings name their field (`"Cart.id"`), numbers derive from the
/// field's position, enums take their first case, lists hold one element, optionals are present
/// (except where a type would contain itself).
struct FixtureValues {
    var spec: ResolvedSpec

    /// `CheckoutFixtures`.
    var namespace: String { spec.name + "Fixtures" }

    /// The fixture member of a named type: `cartItem` for `CartItem`.
    static func member(_ typeName: String) -> String {
        SwiftIdentifier.escaped(SwiftIdentifier.lowerCamel(typeName))
    }

    /// The memberwise construction of `type`'s fixture, nested types built inline so that types
    /// referring to each other through optionals or lists stop instead of recursing.
    func construction(of type: ResolvedType, path: [String] = []) -> String {
        if let first = type.cases.first {
            return "\(SwiftIdentifier.escaped(type.name)).\(SwiftIdentifier.escaped(first.name))"
        }
        let arguments = type.fields.enumerated().map { index, field in
            "\(SwiftIdentifier.label(field.name)): \(value(of: field.type, path: path + [type.name], label: "\(type.name).\(field.name)", seed: index + 1))"
        }
        return "\(SwiftIdentifier.escaped(type.name))(\(arguments.joined(separator: ", ")))"
    }

    /// A value of `type`; `path` holds the named types being built, to stop at recursion.
    func value(of type: TypeRef, path: [String], label: String = "value", seed: Int = 1) -> String {
        switch type {
        case .string: return SwiftLiteral.string(label)
        case .int: return "\(seed)"
        case .double: return "\(seed).5"
        case .bool: return "true"
        case .decimal: return "Foundation.Decimal(\(seed * 100 + 25)) / 100"
        case .date: return "Foundation.Date(timeIntervalSince1970: \(1_700_000_000 + seed * 3_600))"
        case .uuid: return UUIDLiteral.swiftExpression(String(format: seed)) ?? "Foundation.UUID()"
        case .named(let name):
            guard !path.isEmpty, let type = spec.type(named: name) else { return "\(namespace).\(Self.member(name))" }
            return construction(of: type, path: path)
        case .array(let element):
            if let core = element.namedCore, path.contains(core) { return "[]" }
            return "[\(value(of: element, path: path, label: label, seed: seed))]"
        case .dictionary(let element):
            if let core = element.namedCore, path.contains(core) { return "[:]" }
            return "[\(SwiftLiteral.string("key")): \(value(of: element, path: path, label: label, seed: seed))]"
        case .optional(let wrapped):
            if let core = wrapped.namedCore, path.contains(core) { return "nil" }
            return value(of: wrapped, path: path, label: label, seed: seed)
        }
    }

    /// `00000000-0000-0000-0000-0000000000NN`.
    private func String(format seed: Int) -> Swift.String {
        let hex = Swift.String(seed, radix: 16).leftPadded(to: 12)
        return "00000000-0000-4000-8000-" + hex
    }
}
