import Testing
@testable import BatonSpec

/// One test per rule of spec-v1 §8: a snippet, and the exact rule, severity, line and column.
/// Each snippet is the minimal valid spec `valid` with one mistake, so the expected list is
/// complete: no other diagnostic may appear.
@Suite struct RuleTests {
    static let valid = """
        baton: 1
        name: Shop
        services:
          cart:
            operations:
              get:
                input: { id: string }
                output: { total: int }
        workflows:
          buy:
            input: { id: string }
            output: { total: int }
            deadline: 1s
            steps:
              c:
                call: cart.get
                with: { id: $input.id }
            result: { total: $c.total }
        """

    /// Replaces line `n` (1-based) of the valid spec.
    static func with(line n: Int, _ text: String) -> String {
        var lines = valid.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[n - 1] = text
        return lines.joined(separator: "\n")
    }

    func expectOne(_ yaml: String, _ rule: Rule, _ line: Int, _ column: Int, _ severity: Severity? = nil,
                   sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let r = check(yaml)
        #expect(r.diagnostics.map { "\($0.rule.id)@\($0.location.line):\($0.location.column)" }
                == ["\(rule.id)@\(line):\(column)"], sourceLocation: sourceLocation)
        if let d = r.diagnostics.first {
            #expect(d.severity == (severity ?? rule.defaultSeverity), sourceLocation: sourceLocation)
            #expect(d.location.file == "t.baton.yaml", sourceLocation: sourceLocation)
            #expect(!d.message.isEmpty, sourceLocation: sourceLocation)
        }
        if r.diagnostics.contains(where: { $0.severity == .error }) {
            #expect(r.spec == nil, sourceLocation: sourceLocation)
        }
    }

    @Test func validBaseIsClean() {
        let r = check(Self.valid)
        #expect(r.diagnostics.isEmpty)
        #expect(r.spec != nil)
    }

    @Test func yamlSyntax() {
        // libyaml notices the unclosed flow mapping at the next line's ':'.
        expectOne(Self.with(line: 7, "        input: { id: string"), .yamlSyntax, 8, 15)
    }

    @Test func duplicateKeyPointsAtSecondOccurrence() {
        expectOne(Self.with(line: 13, "    deadline: 1s\n    deadline: 2s").replacingLastLines(), .duplicateKey, 14, 5)
    }

    @Test func unknownKeyWithSuggestion() {
        let r = check(Self.with(line: 13, "    dedline: 1s"))
        // Sorted by location: the workflow key (missing deadline) comes first.
        #expect(r.diagnostics.map { "\($0.rule.id)@\($0.location.line):\($0.location.column)" }
                == ["missing-deadline@10:3", "unknown-key@13:5"])
        #expect(r.diagnostics.last?.suggestion == "did you mean 'deadline'?")
    }

    @Test func missingKey() {
        expectOne(Self.with(line: 16, "        with: { id: $input.id }").replacingOccurrences(of: "        with: { id: $input.id }\n        with", with: "        with"),
                  .missingKey, 15, 7)
    }

    @Test func invalidValue() {
        expectOne(Self.with(line: 13, "    deadline: 1s\n    admission: { maxConcurrent: 0 }"), .invalidValue, 14, 33)
    }

    @Test func invalidDuration() {
        expectOne(Self.with(line: 13, "    deadline: 800"), .invalidDuration, 13, 15)
    }

    @Test func invalidName() {
        expectOne(Self.with(line: 2, "name: shop"), .invalidName, 2, 7)
    }

    @Test func namesTheGeneratedCodeReserves() {
        let service = Self.valid.replacingOccurrences(of: "  cart:", with: "  options:")
            .replacingOccurrences(of: "call: cart.get", with: "call: options.get")
        expectOne(service, .invalidName, 4, 3)
        expectOne(Self.with(line: 10, "  shutdown:"), .invalidName, 10, 3)
    }

    @Test func duplicateName() {
        // The workflow's inline input is `BuyInput`, which the declared type takes first.
        let yaml = Self.valid.replacingOccurrences(of: "services:", with: "types:\n  BuyInput: { id: string }\nservices:")
        expectOne(yaml, .duplicateName, 13, 5)
    }

    @Test func aTypeNamedLikeTheAdmissionClassEnumOfAWorkflowClashes() {
        // `buy` declares caller classes, so the orchestrator nests `BuyAdmissionClass`.
        let admission = "    deadline: 1s\n    admission: { classes: { web: { rate: 10/s } } }"
        let yaml = Self.with(line: 13, admission)
            .replacingOccurrences(of: "services:", with: "types:\n  BuyAdmissionClass: { id: string }\nservices:")
        #expect(summary(yaml) == ["duplicate-name@4:3", "unused-type@4:3"])
        // Without classes there is no such enum, so the name is free (the type is unused, though).
        let single = Self.with(line: 13, "    deadline: 1s\n    admission: { rate: 10/s }")
            .replacingOccurrences(of: "services:", with: "types:\n  BuyAdmissionClass: { id: string }\nservices:")
        expectOne(single, .unusedType, 4, 3)
    }

    @Test func unknownType() {
        let r = check(Self.with(line: 8, "        output: { total: itn }"))
        #expect(r.diagnostics.map { "\($0.rule.id)@\($0.location.line):\($0.location.column)" } == ["unknown-type@8:26"])
        #expect(r.diagnostics.first?.message == "unknown type 'itn'; did you mean 'int'?")
        #expect(r.diagnostics.first?.suggestion == "did you mean 'int'?")
    }

    @Test func recursiveType() {
        let yaml = Self.valid.replacingOccurrences(of: "services:", with: """
            types:
              Node: { next: Link }
              Link: { node: Node }
            services:
            """).replacingOccurrences(of: "output: { total: int }\nworkflows", with: "output: Node\nworkflows")
        let r = check(yaml)
        #expect(r.diagnostics.map { "\($0.rule.id)@\($0.location.line):\($0.location.column)" }.contains("recursive-type@4:11"))
        #expect(r.diagnostics.first { $0.rule == .recursiveType }?.message.contains("Node → Link → Node") == true)
    }

    @Test func unknownService() {
        expectOne(Self.with(line: 16, "        call: carts.get"), .unknownService, 16, 15)
    }

    @Test func unknownOperation() {
        expectOne(Self.with(line: 16, "        call: cart.got"), .unknownOperation, 16, 20)
    }

    @Test func unknownPolicy() {
        expectOne(Self.with(line: 5, "    retry: standard\n    operations:"), .unknownPolicy, 5, 12)
    }

    @Test func unknownStep() {
        expectOne(Self.with(line: 18, "    result: { total: $d.total }"), .unknownStep, 18, 23)
    }

    @Test func unknownField() {
        expectOne(Self.with(line: 18, "    result: { total: $c.totl }"), .unknownField, 18, 25)
    }

    @Test func missingField() {
        expectOne(Self.with(line: 17, "        with: {}"), .missingField, 17, 9)
    }

    @Test func typeMismatch() {
        expectOne(Self.with(line: 17, "        with: { id: 42 }"), .typeMismatch, 17, 21)
    }

    @Test func invalidExpression() {
        expectOne(Self.with(line: 17, "        with: { id: $input..id }"), .invalidExpression, 17, 28)
    }

    @Test func asyncOutputUsed() {
        expectOne(Self.with(line: 17, "        with: { id: $input.id }\n        mode: async"), .asyncOutputUsed, 19, 22)
    }

    @Test func dependencyCycle() {
        let r = check(Self.with(line: 17, "        with: { id: $input.id }\n        after: [c]"))
        #expect(r.diagnostics.map { "\($0.rule.id)@\($0.location.line):\($0.location.column)" } == ["dependency-cycle@18:17"])
        #expect(r.diagnostics.first?.message.contains("c → c") == true)
    }

    @Test func missingDeadline() {
        expectOne(Self.with(line: 13, ""), .missingDeadline, 10, 3)
    }

    @Test func deadlineBudget() {
        expectOne(Self.with(line: 16, "        call: cart.get\n        timeout: 2s"), .deadlineBudget, 13, 15)
    }

    @Test func retryBudget() {
        expectOne(Self.with(line: 16, "        call: cart.get\n        timeout: 400ms\n        retry: { maxAttempts: 3 }"),
                  .retryBudget, 13, 15, .warning)
    }

    @Test func unsafeRetry() {
        expectOne(Self.with(line: 8, "        output: { total: int }\n        access: write\n        retry: { maxAttempts: 2 }"),
                  .unsafeRetry, 10, 9)
    }

    @Test func cacheOnWrite() {
        expectOne(Self.with(line: 8, "        output: { total: int }\n        access: write\n        cache: { ttl: 1s }"),
                  .cacheOnWrite, 10, 9)
    }

    @Test func missingCompensation() {
        let yaml = Self.valid
            .replacingOccurrences(of: "        output: { total: int }\nworkflows",
                                  with: "        output: { total: int }\n        access: write\n      check:\n        input: { id: string }\n        output: { total: int }\nworkflows")
            .replacingOccurrences(of: "    result:", with: "      d:\n        call: cart.check\n        with: { id: $input.id }\n    result:")
        // Line 19 is step `c` (a write without compensate); `d` runs concurrently and can fail.
        expectOne(yaml, .missingCompensation, 19, 7, .warning)
    }

    @Test func unusedType() {
        let yaml = Self.valid.replacingOccurrences(of: "services:", with: "types:\n  Spare: { id: string }\nservices:")
        expectOne(yaml, .unusedType, 4, 3, .warning)
    }

    @Test func unusedService() {
        let yaml = Self.valid.replacingOccurrences(of: "workflows:", with: "  mail:\n    operations:\n      send: { input: { id: string }, output: { ok: bool } }\nworkflows:")
        expectOne(yaml, .unusedService, 9, 3, .warning)
    }

    @Test func unusedOperation() {
        let yaml = Self.valid.replacingOccurrences(of: "workflows:", with: "      put: { input: { id: string }, output: { ok: bool } }\nworkflows:")
        expectOne(yaml, .unusedOperation, 9, 7, .warning)
    }

    @Test func sloBudget() {
        // The latency threshold equals the deadline: the warning points at the threshold's value.
        expectOne(Self.with(line: 13, "    deadline: 1s\n    slo: { latency: { threshold: 1s, target: 99% } }"),
                  .sloBudget, 14, 34, .warning)
    }

    @Test func invalidHTTP() {
        // The path of an HTTP binding must start with '/': the error points at the path's value.
        let yaml = Self.valid
            .replacingOccurrences(of: "    operations:", with: "    http: { baseURL: \"http://cart:8080\" }\n    operations:")
            .replacingOccurrences(of: "        output: { total: int }\nworkflows:",
                                  with: "        output: { total: int }\n        http: { method: GET, path: carts }\nworkflows:")
        expectOne(yaml, .invalidHTTP, 10, 36)
    }

    @Test func everyRuleHasATest() {
        // Keep this list in step with the tests above when rules are added.
        let tested: Set<Rule> = [.yamlSyntax, .duplicateKey, .unknownKey, .missingKey, .invalidValue, .invalidDuration,
                                 .invalidName, .duplicateName, .unknownType, .recursiveType, .unknownService,
                                 .unknownOperation, .unknownPolicy, .unknownStep, .unknownField, .missingField,
                                 .typeMismatch, .invalidExpression, .asyncOutputUsed, .dependencyCycle,
                                 .missingDeadline, .deadlineBudget, .retryBudget, .unsafeRetry, .cacheOnWrite,
                                 .missingCompensation, .unusedType, .unusedService, .unusedOperation, .sloBudget,
                                 .invalidHTTP,
                                 // In OpenAPIImportTests, positions inside the document.
                                 .openAPIError, .unsupportedOpenAPI]
        #expect(tested == Set(Rule.allCases))
    }
}

extension String {
    /// Identity; keeps call sites that splice lines readable.
    func replacingLastLines() -> String { self }
}
