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

    // MARK: Defects found by scripts/check-random-specs (Tests/Fixtures/RandomSpecs)

    /// A spec around one workflow `run` with input `{ id: uuid, price: decimal, ratio: double,
    /// at: date }` and the given services and steps.
    static func oneWorkflow(services: String, steps: String, admission: String = "") -> String {
        """
        baton: 1
        name: Shop
        services:
        \(indented(services, by: 2))
        workflows:
          run:
            input: { id: uuid, price: decimal, ratio: double, at: date }
            output: { ok: bool }
            deadline: 1s
        \(indented(admission, by: 4))
            steps:
        \(indented(steps, by: 6))
            result: { ok: true }
        """
    }

    /// `text` with its common indentation replaced by `width` spaces.
    static func indented(_ text: String, by width: Int) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let common = lines.filter { !$0.allSatisfy(\.isWhitespace) }.map { $0.prefix { $0 == " " }.count }.min() ?? 0
        return lines.map { String(repeating: " ", count: width) + $0.dropFirst(common) }.joined(separator: "\n")
    }

    /// seed-158: `when` comparisons on uuid, decimal, double and date are decided on the fixture
    /// values (field n's seed is n: 00000000-0000-4000-8000-000000000001, 2.25, 3.5 and
    /// 2023-11-15T02:13:20Z), as Swift will compare them.
    @Test func whenConditionsOnEveryScalarAreDecidedOnTheFixtures() throws {
        let services = """
              s:
                operations:
                  a: { input: { n: int }, output: { ok: bool } }
                  b: { input: { n: int }, output: { ok: bool } }
                  c: { input: { n: int }, output: { ok: bool } }
                  d: { input: { n: int }, output: { ok: bool } }
                  e: { input: { n: int }, output: { ok: bool } }
            """
        let steps = """
                  a: { call: s.a, with: { n: 1 }, when: "$input.id == 00000000-0000-4000-8000-000000000001" }
                  b: { call: s.b, with: { n: 1 }, when: "$input.price == 2.250" }
                  c: { call: s.c, with: { n: 1 }, when: "$input.ratio != 3.5" }
                  d: { call: s.d, with: { n: 1 }, when: "$input.at == 2023-11-15T02:13:20Z" }
                  e: { call: s.e, with: { n: 1 }, when: "$input.id != 9f1c0000-0000-4000-8000-000000000001" }
            """
        let tests = try generated(Self.oneWorkflow(services: services, steps: steps), ".Tests.swift")
        for runs in ["a", "b", "d", "e"] {
            #expect(tests.contains("#expect(world.mocks.s.\(runs).inputs =="), "`\(runs)` runs for the fixtures")
        }
        #expect(tests.contains("#expect(world.mocks.s.c.callCount == 0, \"`c` is skipped by its condition\")"))
    }

    @Test func decimalTextIsCanonicalised() {
        let cases: [(String, String?)] = [
            ("1.250", "1.25"), ("-012.50", "-12.5"), ("125e-2", "1.25"), ("1.5e3", "1500"), ("0.000", "0"),
            ("-0", "0"), ("+7", "7"), (".5", "0.5"), ("5.", "5"), ("1e", nil), ("abc", nil), ("", nil),
        ]
        for (text, canonical) in cases {
            #expect(FixtureEvaluator.canonicalDecimal(text) == canonical, "\(text)")
        }
    }

    /// seed-42: no cache-hit or revalidation test for a read that a write of the same workflow
    /// invalidates (the second run misses the cache).
    @Test func noCacheTestForAReadTheWorkflowInvalidates() throws {
        let services = """
              s:
                operations:
                  read: { input: { n: int }, output: { ok: bool }, cache: { ttl: 10s, staleWhileRevalidate: 10s } }
                  write: { input: { n: int }, output: { ok: bool }, access: write, invalidates: [s.read] }
            """
        let both = try generated(Self.oneWorkflow(services: services, steps: """
                  read: { call: s.read, with: { n: 1 } }
                  write: { call: s.write, with: { n: 1 }, after: [read] }
            """), ".Tests.swift")
        #expect(!both.contains("func runCachesRead()") && !both.contains("func runRevalidatesRead()"))
        let readOnly = try generated(Self.oneWorkflow(services: services, steps: """
                  read: { call: s.read, with: { n: 1 } }
            """), ".Tests.swift")
        #expect(readOnly.contains("func runCachesRead()") && readOnly.contains("func runRevalidatesRead()"))
    }

    /// seed-2734: a retry budget that grants nothing to a fresh orchestrator (`minPerSecond: 0`)
    /// gets no retry or hedge test.
    @Test func noRetryOrHedgeTestWhenTheBudgetGrantsNone() throws {
        func tests(budget: String) throws -> String {
            try generated(Self.oneWorkflow(services: """
                  s:
                    retry: { maxAttempts: 2, budget: \(budget) }
                    hedge: { delay: 10ms }
                    operations:
                      a: { input: { n: int }, output: { ok: bool } }
                """, steps: """
                  a: { call: s.a, with: { n: 1 } }
                """), ".Tests.swift")
        }
        let none = try tests(budget: "{ ratio: 10%, minPerSecond: 0 }")
        #expect(!none.contains("func runRetriesA()") && !none.contains("func runHedgesA()"))
        let floor = try tests(budget: "{ ratio: 10%, minPerSecond: 1 }")
        #expect(floor.contains("func runRetriesA()") && floor.contains("func runHedgesA()"))
    }

    /// seed-2143: no admission test when a downstream rate limit cannot take the burst.
    @Test func noAdmissionTestBeyondADownstreamRateLimit() throws {
        func tests(burst: Int) throws -> String {
            try generated(Self.oneWorkflow(services: """
                  s:
                    rateLimit: { rate: 6000/m, burst: \(burst) }
                    operations:
                      a: { input: { n: int }, output: { ok: bool } }
                """, steps: """
                  a: { call: s.a, with: { n: 1 } }
                """, admission: "admission: { rate: 10/s, burst: 40 }"), ".Tests.swift")
        }
        #expect(!(try tests(burst: 20)).contains("AdmissionRefusesBeyondTheBurst"))
        #expect(try tests(burst: 40).contains("AdmissionRefusesBeyondTheBurst"))
    }

    /// seed-20261220 and seed-4532: mock calls that the timeline cannot predict (a background step
    /// calling an awaited step's operation; a cached read called twice) make the plan untimed, so
    /// no test waits for calls by count.
    @Test func unpredictableMockCallsMakeThePlanUntimed() throws {
        let services = """
              s:
                operations:
                  a: { input: { n: int }, output: { ok: bool } }
                  cached: { input: { n: int }, output: { ok: bool }, cache: { ttl: 10s } }
            """
        func plan(_ steps: String) throws -> TestPlan {
            let spec = try resolve(Self.oneWorkflow(services: services, steps: steps))
            return TestPlan(spec: spec, workflow: try #require(spec.workflows.first))
        }
        #expect(try plan("""
                  a: { call: s.a, with: { n: 1 } }
            """).isTimed)
        #expect(!(try plan("""
                  a: { call: s.a, with: { n: 1 } }
                  again: { call: s.a, with: { n: 2 }, mode: async }
            """).isTimed))
        #expect(!(try plan("""
                  first: { call: s.cached, with: { n: 1 } }
                  second: { call: s.cached, with: { n: 1 }, after: [first] }
            """).isTimed))
    }

    /// seed-20261231: an optional step's failure also skips the steps whose `when` reads its value
    /// (a comparison of a missing value is false), so the test expects theirs missing too.
    @Test func anOptionalFailureSkipsTheStepsWhoseConditionReadsIt() throws {
        let tests = try generated("""
            baton: 1
            name: Shop
            services:
              s:
                operations:
                  a: { input: { n: int }, output: { flag: bool } }
                  b: { input: { n: int }, output: { v: int } }
                  c: { input: { n: int }, output: { v: int } }
            workflows:
              run:
                input: { n: int }
                output: { b: int?, c: int? }
                deadline: 1s
                steps:
                  a: { call: s.a, with: { n: $input.n }, optional: true }
                  b: { call: s.b, with: { n: 1 }, when: $a.flag }
                  c: { call: s.c, with: { n: 2 }, when: "$b.v != 3" }
                result: { b: $b.v, c: $c.v }
            """, ".Tests.swift")
        let start = try #require(tests.range(of: "func runWithoutA()"))
        let test = tests[start.lowerBound...].prefix { $0 != "@" }
        #expect(test.contains("let bValue: SBOutput? = nil\n"), "b's condition reads a")
        #expect(test.contains("let cValue: SCOutput? = nil\n"), "c's condition reads b, which a's failure skips")
    }
}
