import BatonNaming
import BatonSpec

/// What `mocks.mustache` renders: fixtures for every type and a scripted mock per service.
struct MocksView {
    struct Fixture {
        var identifier: String
        var typeName: String
        /// The value, at eight spaces.
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
        /// `parameter: [Behaviour] = [.succeed(fixture)]`, continuing at eight spaces.
        var parameterDeclaration: String
        /// `self.x = MockOperation(…)`, at eight spaces.
        var initialisation: String
        var inputType: String
        var outputType: String
        /// `func name(…) async throws -> Output {`, at four spaces.
        var implementation: String
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
        typeImports = TypeImports.scoped(spec, module: module)
        let values = FixtureValues(spec: spec)
        let renderer = SwiftRenderer()
        fixturesName = values.namespace
        fixtures = spec.types.map { type in
            Fixture(
                identifier: FixtureValues.member(type.name),
                typeName: SwiftIdentifier.escaped(type.name),
                expression: renderer.render(values.construction(of: type), indent: 8)
            )
        }
        services = spec.services.map { service in
            Service(
                protocolName: GeneratedNames.serviceProtocol(service.name),
                mockName: GeneratedNames.serviceMock(service.name),
                operations: service.operations.map { operation in
                    let identifier = SwiftIdentifier.escaped(operation.name)
                    let shadows = GeneratedNames.mockInitialiserLocals.contains(operation.name)
                    let parameter = shadows ? "\(SwiftIdentifier.label(operation.name)) \(operation.name)_" : identifier
                    let argument = shadows ? "\(operation.name)_" : identifier
                    let output = SwiftType.name(operation.output)
                    let head = "\(parameter): [BatonTesting.ScriptedCall<\(output)>.Behaviour] = "
                    let succeed = SwiftExpr.array([.call(".succeed", [.value(values.value(of: operation.output, path: []))])])
                    let mock = SwiftExpr.call("BatonTesting.MockOperation", [
                        SwiftArgument("clock", .text("clock")),
                        SwiftArgument("name", .text(SwiftLiteral.string(operation.ref.description))),
                        .value(.text(argument)),
                    ])
                    return Operation(
                        identifier: identifier,
                        parameterDeclaration: head + renderer.render(succeed, indent: 8, column: 8 + head.count, trailing: 1),
                        initialisation: renderer.render(.assignment(.text("self.\(identifier)"), mock), indent: 8),
                        inputType: SwiftType.name(operation.input),
                        outputType: output,
                        implementation: ServicesView.requirement(operation, tail: " {", indent: 4)
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
    var namespace: String { GeneratedNames.fixtures(spec: spec.name) }

    /// The fixture member of a named type: `cartItem` for `CartItem`.
    static func member(_ typeName: String) -> String {
        SwiftIdentifier.escaped(SwiftIdentifier.lowerCamel(typeName))
    }

    /// The memberwise construction of `type`'s fixture, nested types built inline so that types
    /// referring to each other through optionals or lists stop instead of recursing.
    func construction(of type: ResolvedType, path: [String] = []) -> SwiftExpr {
        if let first = type.cases.first {
            return .text("\(SwiftIdentifier.escaped(type.name)).\(SwiftIdentifier.escaped(first.name))")
        }
        return .call(SwiftIdentifier.escaped(type.name), type.fields.enumerated().map { index, field in
            SwiftArgument(
                SwiftIdentifier.label(field.name),
                value(of: field.type, path: path + [type.name], label: "\(type.name).\(field.name)", seed: index + 1)
            )
        })
    }

    /// A value of `type`; `path` holds the named types being built, to stop at recursion.
    func value(of type: TypeRef, path: [String], label: String = "value", seed: Int = 1) -> SwiftExpr {
        switch type {
        case .string: return .text(SwiftLiteral.string(label))
        case .int: return .text("\(seed)")
        case .double: return .text("\(Self.double(seed: seed))")
        case .bool: return .text("true")
        case .decimal: return .infix(.call("Foundation.Decimal", [.value(.text("\(Self.decimalHundredths(seed: seed))"))]), "/", .text("100"))
        case .date: return .call("Foundation.Date", [SwiftArgument("timeIntervalSince1970", .text("\(Self.dateSeconds(seed: seed))"))])
        case .uuid: return UUIDLiteral.swiftExpression(bytes: Self.uuidBytes(seed: seed))
        case .named(let name):
            guard !path.isEmpty, let type = spec.type(named: name) else { return .text("\(namespace).\(Self.member(name))") }
            return construction(of: type, path: path)
        case .array(let element):
            if let core = element.namedCore, path.contains(core) { return .array([]) }
            return .array([value(of: element, path: path, label: label, seed: seed)])
        case .dictionary(let element):
            if let core = element.namedCore, path.contains(core) { return .dictionary([]) }
            return .dictionary([SwiftDictionaryEntry(key: .text(SwiftLiteral.string("key")), value: value(of: element, path: path, label: label, seed: seed))])
        case .optional(let wrapped):
            if let core = wrapped.namedCore, path.contains(core) { return .text("nil") }
            return value(of: wrapped, path: path, label: label, seed: seed)
        }
    }

    // The scalars of the fixtures, shared with `FixtureEvaluator`, which decides `when`
    // conditions on them.

    /// `seed.5`: exact in binary.
    static func double(seed: Int) -> Double { Double(seed) + 0.5 }

    /// `seed.25`, in hundredths.
    static func decimalHundredths(seed: Int) -> Int { seed * 100 + 25 }

    /// Seconds since 1970: `seed` hours after 2023-11-14T22:13:20Z.
    static func dateSeconds(seed: Int) -> Int { 1_700_000_000 + seed * 3_600 }

    /// `00000000-0000-4000-8000-<seed as 12 hex digits>`.
    static func uuidBytes(seed: Int) -> [UInt8] {
        [0, 0, 0, 0, 0, 0, 0x40, 0, 0x80, 0] + (0..<6).reversed().map { UInt8(truncatingIfNeeded: seed >> ($0 * 8)) }
    }
}
