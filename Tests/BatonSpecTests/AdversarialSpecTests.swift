import BatonNaming
import Foundation
import Testing
@testable import BatonSpec

/// Nasty but valid specs (Tests/Fixtures/Adversarial, compiled and run by scripts/check-generated)
/// and the names and literals that generated code cannot honour, which the checker refuses.
@Suite struct AdversarialSpecTests {
    /// The valid spec with `types:` holding `types` (inserted after `name`, from line 4 on).
    func withTypes(_ types: String) -> String {
        RuleTests.valid.replacingOccurrences(of: "name: Shop\n", with: "name: Shop\ntypes:\n" + types)
    }

    func errors(_ yaml: String) -> [String] {
        check(yaml).errors.map { "\($0.rule.id)@\($0.location.line):\($0.location.column)" }
    }

    @Test(arguments: Array(GeneratedNames.reservedTypeNames.keys).sorted())
    func namesGeneratedCodeReliesOnAreReserved(name: String) {
        let result = check(withTypes("  \(name): { x: int }\n"))
        #expect(result.errors.map { "\($0.rule.id)@\($0.location.line):\($0.location.column)" } == ["invalid-name@4:3"])
        #expect(result.errors.first?.message.contains("reserved") == true)
    }

    /// The checker reserves exactly the names of the generator's table (BatonNaming), each at
    /// the name's own location: a service (line 4), a workflow (line 10), a step (line 15) and a
    /// field of the operation's inline input (line 7, column 18).
    @Test(arguments: GeneratedNames.reservedServiceNames.keys.sorted())
    func reservedServiceNames(name: String) {
        let yaml = RuleTests.valid.replacingOccurrences(of: "  cart:\n", with: "  \(name):\n").replacingOccurrences(of: "call: cart.get", with: "call: \(name).get")
        #expect(errors(yaml) == ["invalid-name@4:3"])
    }

    @Test(arguments: GeneratedNames.reservedWorkflowNames.keys.sorted())
    func reservedWorkflowNames(name: String) {
        #expect(errors(RuleTests.valid.replacingOccurrences(of: "  buy:\n", with: "  \(name):\n")) == ["invalid-name@10:3"])
    }

    @Test(arguments: GeneratedNames.reservedStepNames.keys.sorted())
    func reservedStepNames(name: String) {
        let yaml = RuleTests.valid.replacingOccurrences(of: "      c:\n", with: "      \(name):\n").replacingOccurrences(of: "$c.total", with: "$\(name).total")
        #expect(errors(yaml).first == "invalid-name@15:7")
    }

    @Test(arguments: GeneratedNames.reservedFieldNames.keys.sorted())
    func reservedFieldNames(name: String) {
        let yaml = RuleTests.valid.replacing("input: { id: string }", with: "input: { \(name): string }", maxReplacements: 1)
        #expect(errors(yaml).first == "invalid-name@7:18")
    }

    @Test func typeNamesShadowingOtherStandardAndRuntimeTypesAreValid() {
        // Generated code qualifies every standard and runtime name, and the generated tests
        // import spec types by name, so these only shadow (shadows.baton.yaml compiles them all).
        for name in ["String", "Int", "Optional", "Date", "URL", "Task", "Self", "Type", "Any", "CallContext", "ManualClock", "Mocks"] {
            #expect(errors(withTypes("  \(name): { x: int }\n")) == [], "\(name)")
        }
    }

    @Test func typesNamedLikeGeneratedTestTypesClash() {
        for name in ["ShopFixtures", "ShopTestWorld", "ShopGeneratedTests", "ShopOrchestrator", "CartService", "MockCartService"] {
            #expect(errors(withTypes("  \(name): { x: int }\n")) == ["duplicate-name@4:3"], "\(name)")
        }
    }

    @Test func aTypeNamedLikeACacheKeyClashesOnlyWhenTheOperationCaches() {
        let cached = withTypes("  CartGetCacheKey: { x: int }\n")
            .replacingOccurrences(of: "        output: { total: int }\n", with: "        output: { total: int }\n        cache: { ttl: 1s }\n")
        #expect(errors(cached) == ["duplicate-name@4:3"])
        #expect(errors(withTypes("  CartGetCacheKey: { x: int }\n")) == [])
    }

    @Test func aFieldNamedHashValueIsReserved() {
        #expect(errors(withTypes("  Box: { hashValue: int, hash: int, description: string }\n")) == ["invalid-name@4:10"])
    }

    @Test func doublesThatOverflowAreRefused() {
        let yaml = RuleTests.valid
            .replacingOccurrences(of: "output: { total: int }\n    deadline", with: "output: { total: double }\n    deadline")
            .replacingOccurrences(of: "result: { total: $c.total }", with: "result: { total: 1e400 }")
        #expect(errors(yaml) == ["invalid-value@18:22"])
        #expect(errors(yaml.replacingOccurrences(of: "1e400", with: "-1e309")) == ["invalid-value@18:22"])
        #expect(errors(yaml.replacingOccurrences(of: "1e400", with: "1.7976931348623157e308")) == [])
        #expect(errors(yaml.replacingOccurrences(of: "1e400", with: "5e-324")) == [])
    }

    @Test func decimalsGeneratedCodeCannotBuildAreRefused() {
        let yaml = RuleTests.valid
            .replacingOccurrences(of: "output: { total: int }\n    deadline", with: "output: { total: decimal }\n    deadline")
            .replacingOccurrences(of: "result: { total: $c.total }", with: "result: { total: 1e400 }")
        for bad in ["1e400", "1e-400", "0x1F", "0o17", "1234567890123456789012345678901234567.89", "1000e-129", "0e200", "12.5e-128"] {
            #expect(errors(yaml.replacingOccurrences(of: "1e400", with: bad)) == ["invalid-value@18:22"], "\(bad)")
        }
        for good in ["0.1", "-12.50", "1e127", "1e-128", "12345678901234567890123456789012345678", "100e-2", ".5", "5.", "+5", "0", "0.000"] {
            #expect(errors(yaml.replacingOccurrences(of: "1e400", with: good)) == [], "\(good)")
        }
    }

    @Test func everyAcceptedDecimalLiteralParsesInFoundation() {
        // The checker's rule must never be looser than `Decimal(string:)`, which generated code
        // force-unwraps: walk mantissas and exponents around the limits.
        var accepted = 0
        for mantissa in ["0", "1", "9", "12.5", "0.001", "0.1", "99999999999999999999999999999999999999", "1000", "-7",
                         "10000000000000000000000000000000000000", "100000000000000000000000000000000000000", "0000000000000000000000000000000000000000001"] {
            for exponent in [-200, -170, -140, -129, -128, -127, -100, 0, 90, 126, 127, 128, 129, 200] {
                let text = "\(mantissa)e\(exponent)"
                guard ScalarSyntax.decimalLiteralProblem(text) == nil else { continue }
                accepted += 1
                #expect(Decimal(string: text) != nil, "\(text)")
            }
        }
        #expect(accepted > 30)
    }

    @Test func theAdversarialFixturesCheckClean() throws {
        let folder = packageRoot.appendingPathComponent("Tests/Fixtures/Adversarial")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".baton.yaml") }.sorted()
        #expect(names.count >= 4)
        for name in names {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            let result = SpecChecker.check(SpecSource(path: name, bytes: Array(data)))
            #expect(result.diagnostics.isEmpty, "\(name): \(result.diagnostics.map(\.message))")
            #expect(result.spec != nil)
        }
    }

    @Test func strangeTextSurvivesTheLoaderExactly() throws {
        // Double-quoted escapes for controls, bidi overrides and astral characters load as the
        // scalars they name (generated code then escapes them; see strings.baton.yaml).
        let yaml = RuleTests.valid.replacingOccurrences(
            of: "name: Shop\n",
            with: #"name: Shop"# + "\n" + #"description: "\x00\x1B\u202E\U0001F680 \\( \"\"\" */""# + "\n")
        let result = check(yaml)
        #expect(result.diagnostics.isEmpty)
        #expect(result.spec?.description.map { Array($0.unicodeScalars.map(\.value)) }
            == [0x00, 0x1B, 0x202E, 0x1F680, 0x20, 0x5C, 0x28, 0x20, 0x22, 0x22, 0x22, 0x20, 0x2A, 0x2F])
    }

    @Test func surrogateEscapesAreRefused() {
        // A lone surrogate cannot be a Swift string; libyaml refuses the escape.
        let yaml = RuleTests.valid.replacingOccurrences(of: "name: Shop\n", with: "name: Shop\ndescription: \"\\uD800\"\n")
        #expect(check(yaml).errors.map(\.rule.id) == ["yaml-syntax"])
    }
}
