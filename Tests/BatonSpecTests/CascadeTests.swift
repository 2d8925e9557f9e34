import Testing
@testable import BatonSpec

/// One mistake, one finding: what failed to check is not reported again by a later rule.
@Suite struct CascadeTests {
    /// A field path (`cache.key`, `idempotencyKey`) through a field whose type failed to resolve:
    /// the `unknown-type` where the type is written is the one finding.
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
        // `Owner` is what `Ownr` meant: not reported as unused.
        #expect(!r.diagnostics.contains { $0.rule == .unusedType })
    }

    @Test func pathsThroughAResolvedTypeAreStillChecked() {
        let yaml = Self.yaml.replacingOccurrences(of: "Ownr", with: "Owner")
            .replacingOccurrences(of: "key: [owner.id]", with: "key: [owner.ident]")
        #expect(summary(yaml) == ["unknown-field@11:39"])
    }

    /// A `compensate` whose `with` fails to check is reported there, not as `missing-compensation`.
    @Test func aCompensationThatFailsToCheckIsNotAMissingOne() {
        let yaml = """
            baton: 1
            name: Shop
            services:
              stock:
                operations:
                  reserve:
                    input: { id: string }
                    output: { reservationId: string }
                    access: write
                  release:
                    input: { reservationId: string }
                    output: { ok: bool }
                    access: write
                  check:
                    input: { id: string }
                    output: { reservationId: string }
            workflows:
              buy:
                input: { id: string }
                output: { reservationId: string }
                deadline: 1s
                steps:
                  reserve:
                    call: stock.reserve
                    with: { id: $input.id }
                    compensate: { call: stock.release, with: { reservationId: $check.reservationId } }
                  check:
                    call: stock.check
                    with: { id: $input.id }
                result: { reservationId: $reserve.reservationId }
            """
        #expect(summary(yaml) == ["invalid-expression@26:68"])
        // Without the compensation the warning is right.
        let without = yaml.replacingOccurrences(
            of: "        compensate: { call: stock.release, with: { reservationId: $check.reservationId } }\n", with: "")
            .replacingOccurrences(of: "      release:\n        input: { reservationId: string }\n        output: { ok: bool }\n        access: write\n", with: "")
        #expect(summary(without) == ["missing-compensation@19:7"])
    }
}
