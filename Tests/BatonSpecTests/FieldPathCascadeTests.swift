import Testing
@testable import BatonSpec

/// A field path (`cache.key`, `idempotencyKey`) through a field whose type failed to resolve is
/// not reported again: the `unknown-type` where the type is written is the one finding.
@Suite struct FieldPathCascadeTests {
    static let yaml = """
        baton: 1
        name: Shop
        types:
          Owner: { id: string }
        services:
          cart:
            operations:
              get:
                input: { owner: Ownr }
                output: { total: int }
                cache: { ttl: 1s, key: [owner.id] }
              put:
                input: { owner: Ownr }
                output: { total: int }
                access: write
                idempotencyKey: owner.id
        workflows:
          buy:
            input: { id: string }
            output: { total: int }
            deadline: 1s
            steps:
              get: { call: cart.get, with: { owner: { id: $input.id } } }
              put: { call: cart.put, with: { owner: { id: $input.id } }, after: [get] }
            result: { total: $put.total }
        """

    @Test func pathsThroughAnUnresolvedTypeAreNotReportedAgain() {
        let r = check(Self.yaml)
        #expect(r.diagnostics.filter { $0.severity == .error }.map { "\($0.rule.id)@\($0.location.line):\($0.location.column)" }
                == ["unknown-type@9:25", "unknown-type@13:25"])
        #expect(!r.diagnostics.contains { $0.message.contains("'?'") })
    }

    @Test func pathsThroughAResolvedTypeAreStillChecked() {
        let yaml = Self.yaml.replacingOccurrences(of: "Ownr", with: "Owner")
            .replacingOccurrences(of: "key: [owner.id]", with: "key: [owner.ident]")
        #expect(summary(yaml) == ["unknown-field@11:39"])
    }
}
