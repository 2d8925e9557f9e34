@testable import BatonGenerator
import BatonSpec
import Testing

/// Defects found by trying larger valid specs (and by scripts/check-random-specs): each test pins
/// what the generator now emits for the construct that broke. The generated code itself is
/// compiled and run by scripts/check-generated (Tests/Fixtures/Specs/recursive-records) and
/// scripts/check-random-specs.
@Suite struct ValidSpecRegressionTests {
    func generated(_ spec: String, _ suffix: String) throws -> String {
        let code = try generate(resolve(spec), options: GeneratorOptions(testedModule: "Shop"))
        return try #require((code.sources + code.tests).first { $0.name.hasSuffix(suffix) }).contents
    }

    /// The declaration of `name` in a generated Types file, up to the next top-level declaration.
    func declaration(_ name: String, in types: String) throws -> Substring {
        let start = try #require(types.range(of: "public struct \(name):"))
        let rest = types[start.lowerBound...]
        let end = rest.dropFirst().range(of: "\npublic ")?.lowerBound ?? rest.endIndex
        return rest[..<end]
    }

    static let records = """
        baton: 1
        name: Shop
        types:
          Location: { name: string, within: Location? }
          Node: { label: string, children: "[Node]" }
          Person: { name: string, team: Team? }
          Team: { lead: Person? }
          Site: { location: Location, root: Node, team: Team }
        services:
          places:
            operations:
              site: { input: { id: string }, output: Site }
        workflows:
          show:
            input: { id: string }
            output: Site
            deadline: 1s
            steps:
              site: { call: places.site, with: { id: $input.id } }
            result: $site
        """

    /// Defect 1: `value type 'Location' cannot have a stored property that recursively contains
    /// it`. Records on a cycle through optionals (directly or through another record) keep their
    /// fields in a box; a cycle through an array needs none, nor does a record that only holds one.
    @Test func recordsOnAnOptionalCycleAreBoxedAndOnlyThose() throws {
        let types = try generated(Self.records, ".Types.swift")
        for boxed in ["Location", "Person", "Team"] {
            let code = try declaration(boxed, in: types)
            #expect(code.contains("    private final class _Storage: Swift.Sendable {"), "\(boxed)")
            #expect(code.contains("    private var _storage: _Storage\n"), "\(boxed)")
            #expect(code.contains("    public static func == (lhs: \(boxed), rhs: \(boxed)) -> Swift.Bool {"), "\(boxed)")
            #expect(code.contains("    public init(from decoder: any Swift.Decoder) throws {"), "\(boxed)")
        }
        #expect(try declaration("Location", in: types).contains("""
                public var within: Location? {
                    get { _storage.within }
                    set { _storage = _Storage(name: _storage.name, within: newValue) }
                }
            """))
        for inline in ["Node", "Site"] {
            #expect(!(try declaration(inline, in: types)).contains("_Storage"), "\(inline)")
        }
    }

    static func routed(rules: String, secondCaller: Bool = false) -> String {
        """
        baton: 1
        name: Shop
        services:
          stock:
            endpoints:
              - { url: "http://a", variant: static }
              - { url: "http://b", variant: live }
              - { url: "http://c", variant: live }
            routing:
              strategy: round-robin
              rules:
        \(rules)
            operations:
              level: { input: { sku: string }, output: { count: int } }
              peek: { input: { sku: string }, output: { count: int } }
        workflows:
          surge:
            input: { sku: string }
            output: { count: int }
            deadline: 1s
            steps:
              level: { call: stock.level, with: { sku: $input.sku } }
        \(secondCaller ? "      peek: { call: stock.peek, with: { sku: $input.sku }, optional: true }" : "")
            result: { count: $level.count }
        """
    }

    /// Defect 2: with a rule that holds while the service is healthy, the test asserted that no
    /// rule was active at first. Both evaluations now take every rule in order.
    @Test func routingRuleTestsEvaluateEveryRuleInEachState() throws {
        let tests = try generated(Self.routed(rules: """
                    - { when: "errorRate > 20% or p99 > 200ms", use: { variant: static } }
                    - { when: "errorRate < 1%", avoid: { variant: static } }
            """), ".Tests.swift")
        #expect(tests.contains("#expect(world.orchestrator.routingSnapshots[\"stock\"]?.activeRule == \"rule 2\")\n        clock.advance(by: Swift.Duration.seconds(1))"))
        #expect(tests.contains("#expect(world.orchestrator.routingSnapshots[\"stock\"]?.activeRule == \"rule 1\")\n        let last"))
        #expect(tests.contains("While `stock` is healthy `rule 2` routes it; once it fails every call, its rule `rule 1` takes over"))
    }

    @Test func noRoutingRuleTestWhenTheAnswerIsUncertain() throws {
        // Another step calls the same service: its successes move the error rate.
        let shared = try generated(Self.routed(rules: """
                    - { when: "errorRate > 20%", use: { variant: static } }
            """, secondCaller: true), ".Tests.swift")
        #expect(!shared.contains("ByRule()"))
        // The same rule holds in both states: nothing takes over.
        let same = try generated(Self.routed(rules: """
                    - { when: "healthy <= 100%", use: { variant: static } }
            """), ".Tests.swift")
        #expect(!same.contains("ByRule()"))
        // Whether it holds once calls fail depends on how many endpoints were ejected.
        let ejections = try generated(Self.routed(rules: """
                    - { when: "errorRate > 20% and healthy > 50%", use: { variant: static } }
            """), ".Tests.swift")
        #expect(!ejections.contains("ByRule()"))
    }

    static let primaryAndReplicas = """
        baton: 1
        name: Shop
        services:
          ledger:
            endpoints:
              - { url: "http://primary", role: primary }
              - { url: "http://replica-1", role: replica }
              - { url: "http://replica-2", role: replica }
            retry: { maxAttempts: 2 }
            operations:
              record:
                input: { entryId: string }
                output: { ok: bool }
                access: write
                idempotencyKey: entryId
              balance: { input: { entryId: string }, output: { ok: bool } }
        workflows:
          post:
            input: { entryId: string }
            output: { ok: bool }
            deadline: 1s
            steps:
              write: { call: ledger.record, with: { entryId: $input.entryId } }
            result: { ok: $write.ok }
          read:
            input: { entryId: string }
            output: { ok: bool }
            deadline: 1s
            steps:
              balance: { call: ledger.balance, with: { entryId: $input.entryId } }
            result: { ok: $balance.ok }
        """

    /// Defect 3: a write's retry can only go to the one primary; a read's goes elsewhere.
    @Test func retryEndpointExpectationsFollowRoles() throws {
        let tests = try generated(Self.primaryAndReplicas, ".Tests.swift")
        let write = try #require(tests.range(of: "func postRetriesWrite()"))
        let read = try #require(tests.range(of: "func readRetriesBalance()"))
        let writeTest = tests[write.lowerBound..<read.lowerBound]
        #expect(writeTest.contains("#expect(endpoints[0] == endpoints[1], \"the first endpoint is the only candidate\")"))
        #expect(tests[read.lowerBound...].contains("#expect(endpoints[0] != endpoints[1], \"the retry goes to another endpoint\")"))
    }

    /// Defect 4: generated tests of several specs hung in one process. Every test has a time
    /// limit, every barrier is bounded (BatonTesting throws `WaitTimedOut`), and waiting for a run
    /// names it.
    @Test func everyGeneratedTestIsBounded() throws {
        for example in ["checkout", "courier-dispatch", "product-page", "travel-booking"] {
            let code = try generate(exampleSpec("\(example).baton.yaml"))
            let tests = try #require(code.tests.first { $0.name.hasSuffix(".Tests.swift") }).contents
            let lines = tests.split(separator: "\n")
            let declarations = lines.filter { $0.contains("@Test") }
            #expect(!declarations.isEmpty)
            #expect(declarations.allSatisfy { $0.hasPrefix("    @Test(.timeLimit(.minutes(1))) func ") }, "\(example)")
            #expect(!lines.contains { $0.contains("waitFor") && !$0.contains("try await ") }, "\(example)")
            #expect(!tests.contains("run.value }") && !tests.contains("run.value\n"), "\(example)")
        }
    }
}
