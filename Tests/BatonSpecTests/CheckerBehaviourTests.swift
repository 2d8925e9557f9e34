import Testing
@testable import BatonSpec

/// Finer points of §3–§6 beyond one-test-per-rule.
@Suite struct CheckerBehaviourTests {
    /// A spec with a richer input type, for expression tests. Line 27 is the step's `with`, 28 the
    /// first `stepExtra` line.
    static func spec(with: String = "{ id: $input.id }", stepExtra: String = "", result: String = "{ total: $c.total }",
                     extraSteps: String = "") -> String {
        """
        baton: 1
        name: Shop
        types:
          Tier:
            enum: [standard, gold]
          Req:
            id: string
            tier: Tier
            flag: bool
            when: date?
            ref: uuid?
            skus: "[string]"
        services:
          cart:
            operations:
              get:
                input: { id: string }
                output: { total: int, note: string? }
        workflows:
          buy:
            input: Req
            output: { total: int }
            deadline: 1s
            steps:
              c:
                call: cart.get
                with: \(with)\(stepExtra)\(extraSteps)
            result: \(result)
        """
    }

    @Test func baseSpecIsClean() {
        #expect(summary(Self.spec()) == [])
    }

    @Test func whenConditions() throws {
        let ok = check(Self.spec(stepExtra: "\n        when: \"$input.tier == gold\""))
        #expect(ok.diagnostics.map(\.rule) == [.typeMismatch])  // `c` may be skipped: $c.total is int?
        let r = check(Self.spec(stepExtra: "\n        when: \"$input.tier == gold\"", result: "{ total: 1 }"))
        #expect(r.diagnostics.isEmpty)
        #expect(r.spec?.workflows[0].steps[0].when?.test == .equals(.enumCase("gold")))
        // Unquoted `!$ref` is a YAML tag; it still works.
        let neg = check(Self.spec(stepExtra: "\n        when: !$input.flag", result: "{ total: 1 }"))
        #expect(neg.diagnostics.isEmpty)
        #expect(neg.spec?.workflows[0].steps[0].when?.test == .isFalse)
        let ne = check(Self.spec(stepExtra: "\n        when: $input.id != \"x y\"", result: "{ total: 1 }"))
        #expect(ne.spec?.workflows[0].steps[0].when?.test == .notEquals(.string("x y")))
        // Not a case of Tier: reported at the literal, with a suggestion.
        let bad = check(Self.spec(stepExtra: "\n        when: \"$input.tier == golde\"", result: "{ total: 1 }"))
        #expect(bad.diagnostics.map { "\($0.rule.id)@\($0.location.line):\($0.location.column)" } == ["type-mismatch@28:31"])
        #expect(bad.diagnostics.first?.suggestion == "did you mean 'gold'?")
        // A non-bool reference without a comparison.
        #expect(summary(Self.spec(stepExtra: "\n        when: $input.id", result: "{ total: 1 }")) == ["type-mismatch@28:15"])
        #expect(summary(Self.spec(stepExtra: "\n        when: input.flag", result: "{ total: 1 }")) == ["invalid-expression@28:15"])
    }

    @Test func optionalValuesFillOnlyOptionalFields() throws {
        let r = check(Self.spec(stepExtra: "\n        optional: true"))
        let d = try #require(r.diagnostics.first)
        #expect(r.diagnostics.count == 1)
        #expect("\(d.rule.id)@\(d.location.line):\(d.location.column)" == "type-mismatch@29:22")
        #expect(d.message.contains("optional"))
    }

    @Test func literalsAreTypedAgainstTheirTarget() {
        #expect(summary(Self.spec(with: "{ id: \"42\" }")) == [])
        #expect(summary(Self.spec(with: "{ id: 42 }")) == ["type-mismatch@27:21"])
        #expect(summary(Self.spec(with: "{ id: true }")) == ["type-mismatch@27:21"])
        #expect(summary(Self.spec(with: "{ id: null }")) == ["type-mismatch@27:21"])
        #expect(summary(Self.spec(result: "{ total: 1.5 }")) == ["type-mismatch@28:22"])
        #expect(summary(Self.spec(result: "{ total: -3 }")) == [])
    }

    @Test func dollarDollarEscapesALiteralDollar() throws {
        let r = check(Self.spec(with: "{ id: \"$$input.id\" }"))
        #expect(r.diagnostics.isEmpty)
        guard case .record(_, let fields)? = r.spec?.workflows[0].steps[0].with else { Issue.record("no record"); return }
        #expect(fields.first?.value == .literal(.string("$input.id"), type: .string))
    }

    @Test func referencesAndProjections() {
        #expect(summary(Self.spec(with: "{ id: $input.skus }")) == ["type-mismatch@27:21"])
        #expect(summary(Self.spec(with: "{ id: $input.idd }")) == ["unknown-field@27:28"])
        #expect(summary(Self.spec(with: "{ id: \"$input.id[]\" }")) == ["type-mismatch@27:31"])
        #expect(summary(Self.spec(with: "{ id: $input.id.x }")) == ["unknown-field@27:31"])
        #expect(summary(Self.spec(with: "{ id: \"$input.id!\" }")) == ["invalid-expression@27:31"])
        #expect(summary(Self.spec(with: "{ id: $ }")) == ["invalid-expression@27:22"])
        #expect(summary(Self.spec(with: "{ id: $c.note }")) == ["dependency-cycle@27:21", "type-mismatch@27:21"])
    }

    @Test func nestedRecordsListsAndDictionaries() {
        let yaml = """
            baton: 1
            name: Shop
            types:
              Line: { sku: string, qty: int, tags: "[string: string]?" }
              Order: { id: string, lines: "[Line]", placed: date, ref: uuid }
            services:
              orders:
                operations:
                  put: { input: { order: Order }, output: { ok: bool } }
            workflows:
              place:
                input: { id: string }
                output: { ok: bool }
                deadline: 1s
                steps:
                  p:
                    call: orders.put
                    with:
                      order:
                        id: $input.id
                        lines:
                          - { sku: a, qty: 1, tags: { color: red } }
                          - { sku: b, qty: 2 }
                        placed: 2024-05-01T12:00:00Z
                        ref: 123e4567-e89b-12d3-a456-426614174000
                result: { ok: $p.ok }
            """
        let r = check(yaml)
        #expect(r.diagnostics.isEmpty)
        let broken = yaml.replacingOccurrences(of: "qty: 2 }", with: "qtty: 2 }")
            .replacingOccurrences(of: "2024-05-01T12:00:00Z", with: "2024-13-01")
            .replacingOccurrences(of: "123e4567-e89b", with: "123e4567_e89b")
        #expect(summary(broken) == ["missing-field@23:17", "unknown-field@23:27", "type-mismatch@24:21", "type-mismatch@25:18"]
            .sorted { a, b in
                let pa = a.split(separator: "@")[1].split(separator: ":").map { Int($0)! }
                let pb = b.split(separator: "@")[1].split(separator: ":").map { Int($0)! }
                return (pa[0], pa[1]) < (pb[0], pb[1])
            })
    }

    @Test func fallbacks() {
        let value = check(Self.spec(stepExtra: "\n        fallback: { value: { total: 0 } }"))
        #expect(value.diagnostics.isEmpty)
        guard case .value(let v)? = value.spec?.workflows[0].steps[0].fallback else { Issue.record("no fallback"); return }
        guard case .record(_, let fields) = v else { Issue.record("no record"); return }
        #expect(fields.map(\.name) == ["total"])
        #expect(summary(Self.spec(stepExtra: "\n        fallback: { value: { total: zero } }")) == ["type-mismatch@28:37"])
        #expect(summary(Self.spec(stepExtra: "\n        fallback: { stale: true }")) == ["invalid-value@28:21"])
        #expect(summary(Self.spec(stepExtra: "\n        fallback: { stale: true, value: 1 }")) == ["invalid-value@28:34"])
        #expect(summary(Self.spec(stepExtra: "\n        fallback: {}")) == ["missing-key@28:9"])
        #expect(summary(Self.spec(stepExtra: "\n        fallback: { call: cart.get, with: { id: \"x\" } }")) == [])
    }

    @Test func compensationScope() {
        let yaml = RuleTests.valid
            .replacingOccurrences(of: "        output: { total: int }\nworkflows",
                                  with: "        output: { total: int }\n      undo:\n        input: { id: string, n: int }\n        output: { ok: bool }\nworkflows")
            .replacingOccurrences(of: "    result:", with: """
                      d:
                        call: cart.get
                        with: { id: $input.id }
                        compensate: { call: cart.undo, with: { id: $input.id, n: $d.total } }
                    result:
                """)
        #expect(summary(yaml) == [])
        let other = yaml.replacingOccurrences(of: "n: $d.total", with: "n: $c.total")
        #expect(summary(other) == ["invalid-expression@24:67"])
        // With a dependency on c, reading c is fine.
        #expect(summary(other.replacingOccurrences(of: "with: { id: $input.id }\n        compensate", with: "with: { id: $input.id }\n        after: [c]\n        compensate")) == [])
    }

    @Test func cyclesAreNamed() throws {
        let yaml = RuleTests.valid.replacingOccurrences(of: "with: { id: $input.id }", with: "with: { id: $input.id }\n        after: [d]")
            .replacingOccurrences(of: "    result:", with: "      d:\n        call: cart.get\n        with: { id: $input.id }\n        after: [c]\n    result:")
        let r = check(yaml)
        let d = try #require(r.diagnostics.first)
        #expect(r.diagnostics.count == 1)
        #expect("\(d.rule.id)@\(d.location.line):\(d.location.column)" == "dependency-cycle@18:17")
        #expect(d.message.hasSuffix("c → d → c"))
    }

    @Test func routingConditions() throws {
        let spec = try #require(SpecChecker.check(try exampleSpec("product-page.baton.yaml")).spec)
        let rule = try #require(spec.service(named: "catalogue")?.routing?.rules.first)
        #expect(rule.condition == .or(
            .and(.compare(.p99, .greaterThan, .duration(.milliseconds(250))), .compare(.inflight, .greaterOrEqual, .count(100))),
            .compare(.healthy, .lessThan, .ratio(0.5))))
        #expect(rule.action == RoutingAction(kind: .avoid, target: .region("eu-west")))
        #expect(spec.service(named: "catalogue")?.routing?.outlierDetection
                == OutlierDetection(consecutiveFailures: 3, ejectFor: .seconds(15), maxEjected: 0.1))

        func routing(_ when: String) -> [String] {
            summary("""
                baton: 1
                name: Shop
                services:
                  cart:
                    endpoints: [{ url: "http://a", variant: lite }]
                    routing:
                      rules:
                        - { when: "\(when)", use: { variant: lite } }
                    operations:
                      get: { input: { id: string }, output: { total: int } }
                workflows:
                  buy:
                    input: { id: string }
                    output: { total: int }
                    deadline: 1s
                    steps: { c: { call: cart.get, with: { id: $input.id } } }
                    result: { total: $c.total }
                """)
        }
        #expect(routing("p99 > 300ms or errorRate > 5%") == [])
        #expect(routing("p99 > 300") == ["invalid-expression@8:26"])
        #expect(routing("errorRate > 5ms") == ["invalid-expression@8:32"])
        #expect(routing("latency > 5ms") == ["invalid-expression@8:20"])
        #expect(routing("(p50 < 1ms") == ["invalid-expression@8:30"])
        #expect(routing("p50 < 1ms and") == ["invalid-expression@8:33"])
        #expect(routing("inflight => 3") == ["invalid-expression@8:29"])
    }

    @Test func policyReferencesAndNone() {
        let yaml = RuleTests.valid.replacingOccurrences(of: "services:", with: "policies:\n  retries: { standard: { maxAttempts: 2 } }\nservices:")
            .replacingOccurrences(of: "    operations:", with: "    retry: standrd\n    operations:")
        let r = check(yaml)
        #expect(r.diagnostics.map { "\($0.rule.id)@\($0.location.line):\($0.location.column)" } == ["unknown-policy@7:12"])
        #expect(r.diagnostics.first?.suggestion == "did you mean 'standard'?")
        #expect(summary(yaml.replacingOccurrences(of: "standrd", with: "none")) == [])
        #expect(summary(yaml.replacingOccurrences(of: "retry: standrd", with: "retry: { maxAttempts: 11 }")) == ["invalid-value@7:27"])
        #expect(summary(yaml.replacingOccurrences(of: "retry: standrd", with: "retry: { backoff: { jitter: fulll } }")) == ["invalid-value@7:33"])
        #expect(summary(yaml.replacingOccurrences(of: "retry: standrd", with: "circuitBreaker: { failureRate: 150% }")) == ["invalid-value@7:36"])
        #expect(summary(yaml.replacingOccurrences(of: "retry: standrd", with: "rateLimit: { rate: 0/s }")) == ["invalid-value@7:24"])
        #expect(summary(yaml.replacingOccurrences(of: "retry: standrd", with: "hedge: { delay: p40 }")) == ["invalid-value@7:21"])
    }

    @Test func writesRetriesAndCaches() {
        // Inherited from the service: reported at the operation, with the fix.
        let inherited = RuleTests.valid.replacingOccurrences(of: "    operations:", with: "    retry: { maxAttempts: 2 }\n    operations:")
            .replacingOccurrences(of: "        output: { total: int }\nworkflows", with: "        output: { total: int }\n        access: write\nworkflows")
        let r = check(inherited)
        #expect(r.diagnostics.map { "\($0.rule.id)@\($0.location.line):\($0.location.column)" } == ["unsafe-retry@7:7"])
        #expect(r.diagnostics.first?.message.contains("inherited") == true)
        #expect(summary(inherited.replacingOccurrences(of: "access: write", with: "access: write\n        idempotencyKey: id")) == [])
        #expect(summary(inherited.replacingOccurrences(of: "access: write", with: "access: write\n        idempotencyKey: idd")) == ["unknown-field@11:25"])
        #expect(summary(inherited.replacingOccurrences(of: "access: write", with: "access: write\n        retry: none")) == [])
        // A step hedging a write.
        let step = RuleTests.valid.replacingOccurrences(of: "        output: { total: int }\nworkflows", with: "        output: { total: int }\n        access: write\nworkflows")
            .replacingOccurrences(of: "with: { id: $input.id }", with: "with: { id: $input.id }\n        hedge: { delay: 5ms }")
        #expect(summary(step) == ["unsafe-retry@19:9"])
        // invalidates: only writes, only cached reads.
        let inv = RuleTests.valid.replacingOccurrences(of: "        output: { total: int }\nworkflows", with: "        output: { total: int }\n        invalidates: [cart.get]\nworkflows")
        #expect(summary(inv) == ["invalid-value@9:22", "invalid-value@9:23"])
    }

    @Test func typeShapes() {
        let yaml = RuleTests.valid.replacingOccurrences(of: "services:", with: "types:\n  Bag: { items: [string] }\nservices:")
            .replacingOccurrences(of: "output: { total: int }\nworkflows", with: "output: Bag\nworkflows")
            .replacingOccurrences(of: "{ total: $c.total }", with: "{ total: 1 }")
        let r = check(yaml)
        #expect(r.diagnostics.map { "\($0.rule.id)@\($0.location.line):\($0.location.column)" } == ["invalid-value@4:17"])
        #expect(r.diagnostics.first?.suggestion == "write \"[string]\"")
        #expect(summary(yaml.replacingOccurrences(of: "[string]", with: "\"[int: string]\"")) == ["invalid-value@4:23"])
        #expect(summary(yaml.replacingOccurrences(of: "[string]", with: "\"[string\"")) == ["invalid-value@4:25"])
        #expect(summary(yaml.replacingOccurrences(of: "[string]", with: "string??")) == ["invalid-value@4:24"])
        #expect(summary(yaml.replacingOccurrences(of: "[string]", with: "\"[string: [Bag]?]\"")) == [])
        #expect(summary(RuleTests.valid.replacingOccurrences(of: "baton: 1", with: "baton: 2")) == ["invalid-value@1:8"])
    }

    @Test func duplicateKeysInFlowMappings() {
        let r = check(RuleTests.valid.replacingOccurrences(of: "with: { id: $input.id }", with: "with: { id: $input.id, id: x }"))
        #expect(r.diagnostics.map { "\($0.rule.id)@\($0.location.line):\($0.location.column)" } == ["duplicate-key@17:32"])
        #expect(r.diagnostics.first?.message.contains("line 17, column 17") == true)
    }

    @Test func hugeValuesDoNotOverflow() {
        #expect(summary(RuleTests.valid.replacingOccurrences(of: "deadline: 1s", with: "deadline: 9000h")) == ["invalid-duration@13:15"])
        #expect(summary(RuleTests.valid.replacingOccurrences(of: "deadline: 1s", with: "deadline: 99999999999999999999h")) == ["invalid-duration@13:15"])
        // Year-long timeouts, ten attempts, a chain of five: sums stay exact (no trap).
        var yaml = RuleTests.valid.replacingOccurrences(of: "    operations:", with: "    timeout: 8760h\n    retry: { maxAttempts: 10, backoff: { initial: 8760h, max: 8760h, multiplier: 1e300 } }\n    operations:")
        for i in 1...4 {
            yaml = yaml.replacingOccurrences(of: "    result:", with: "      s\(i):\n        call: cart.get\n        with: { id: $input.id }\n        after: [\(i == 1 ? "c" : "s\(i - 1)")]\n    result:")
        }
        let r = check(yaml)
        #expect(r.diagnostics.map(\.rule) == [.deadlineBudget])
        #expect(r.diagnostics.first?.message.contains("43800h") == true)
    }
}
