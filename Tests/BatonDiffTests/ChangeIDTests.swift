import Foundation
import Testing
@testable import BatonDiff
import BatonSpec

/// One test per change id of spec-v1 §15: an OLD/NEW pair, the id, its severity and its location
/// (file and line in NEW; in OLD for removals).
@Suite struct ChangeIDTests {
    /// Expects exactly one change with these properties.
    func expectOne(_ found: [SpecChange], _ id: ChangeID, _ severity: ChangeSeverity, file: String, line: Int,
                   path: String? = nil, message: String? = nil, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(found.count == 1, "expected only \(id.id), got \(summary(found))", sourceLocation: sourceLocation)
        guard let change = found.first(where: { $0.id == id }) else {
            Issue.record("no \(id.id) in \(summary(found))", sourceLocation: sourceLocation)
            return
        }
        #expect(change.severity == severity, sourceLocation: sourceLocation)
        #expect(change.location.file == file, sourceLocation: sourceLocation)
        #expect(change.location.line == line, "message: \(change.message)", sourceLocation: sourceLocation)
        if let path { #expect(change.path == path, sourceLocation: sourceLocation) }
        if let message { #expect(change.message == message, sourceLocation: sourceLocation) }
    }

    // MARK: workflows

    @Test func workflowRemoved() throws {
        let new = edited([("""
              status:
                input: { orderId: string }
                output: { status: Status }
                deadline: 300ms
                steps:
                  order: { call: orders.get, with: { id: $input.orderId } }
                result: { status: $order.status }

            """, "")])
        expectOne(try changes(baseSpec, new), .workflowRemoved, .breaking, file: oldFile,
                  line: line(of: "  status:", in: baseSpec, after: "workflows:"), path: "workflows.status")
    }

    @Test func workflowAdded() throws {
        let new = baseSpec + """
              total:
                input: { orderId: string }
                output: { total: decimal }
                deadline: 300ms
                steps:
                  order: { call: orders.get, with: { id: $input.orderId } }
                result: { total: $order.total }

            """
        expectOne(try changes(baseSpec, new), .workflowAdded, .safe, file: newFile,
                  line: line(of: "  total:", in: new, after: "result: { status: $order.status }"), path: "workflows.total",
                  message: "workflow 'total' added")
    }

    @Test func workflowInputFieldAdded() throws {
        let new = edited([("input: { orderId: string, coupon: string? }", "input: { orderId: string, coupon: string?, currency: string }")])
        expectOne(try changes(baseSpec, new), .workflowInputFieldAdded, .breaking, file: newFile,
                  line: line(of: "currency: string", in: new), path: "workflows.checkout.input.currency")
    }

    @Test func workflowInputFieldAddedOptional() throws {
        let new = edited([("input: { orderId: string, coupon: string? }", "input: { orderId: string, coupon: string?, currency: string? }")])
        expectOne(try changes(baseSpec, new), .workflowInputFieldAddedOptional, .safe, file: newFile,
                  line: line(of: "currency: string?", in: new), path: "workflows.checkout.input.currency")
    }

    @Test func workflowInputFieldRemoved() throws {
        let new = edited([("input: { orderId: string, coupon: string? }", "input: { orderId: string }")])
        expectOne(try changes(baseSpec, new), .workflowInputFieldRemoved, .breaking, file: oldFile,
                  line: line(of: "coupon: string?", in: baseSpec), path: "workflows.checkout.input.coupon")
    }

    @Test func workflowOutputFieldRemoved() throws {
        let new = edited([("    note: string?\n", ""), ("      note: $note.text\n", "")])
        expectOne(try changes(baseSpec, new), .workflowOutputFieldRemoved, .breaking, file: oldFile,
                  line: line(of: "note: string?", in: baseSpec), path: "types.Receipt.note",
                  message: "workflow 'checkout': output field 'note' removed: callers that read it stop compiling")
    }

    @Test func workflowOutputFieldAdded() throws {
        let new = edited([("    note: string?\n", "    note: string?\n    currency: string\n"),
                          ("      note: $note.text\n", "      note: $note.text\n      currency: EUR\n")])
        expectOne(try changes(baseSpec, new), .workflowOutputFieldAdded, .safe, file: newFile,
                  line: line(of: "currency: string", in: new), path: "types.Receipt.currency")
    }

    // MARK: fields and enums

    @Test func fieldTypeChanged() throws {
        let new = edited([("    quantity: int", "    quantity: double")])
        expectOne(try changes(baseSpec, new), .fieldTypeChanged, .breaking, file: newFile,
                  line: line(of: "quantity: double", in: new), path: "types.Item.quantity",
                  message: "type 'Item': field 'quantity' changed type from int to double")
    }

    @Test func fieldTypeChangedNamesTheWorkflowWhoseOutputItIs() throws {
        let old = """
            baton: 1
            name: Shop
            types:
              Quote: { total: decimal }
              CheckoutSummary: { orderId: string, total: decimal }
            services:
              pricing:
                operations:
                  quote: { input: { orderId: string }, output: Quote }
            workflows:
              checkout:
                input: { orderId: string }
                output: CheckoutSummary
                deadline: 1s
                steps:
                  quote: { call: pricing.quote, with: { orderId: $input.orderId } }
                result: { orderId: $input.orderId, total: $quote.total }

            """
        let new = old.replacingOccurrences(of: "total: decimal", with: "total: double")
        let found = try changes(old, new)
        #expect(found.map(\.message) == [
            "operation 'pricing.quote': output field 'total' changed type from decimal to double",
            "workflow 'checkout': output field 'total' changed type from decimal to double",
        ])
        #expect(found.allSatisfy { $0.id == .fieldTypeChanged && $0.severity == .breaking })
        #expect(found.map(\.location.line) == [4, 5])
    }

    @Test func fieldBecameOptional() throws {
        let new = edited([("    orderId: string\n    total: decimal\n    note", "    orderId: string?\n    total: decimal\n    note")])
        expectOne(try changes(baseSpec, new), .fieldBecameOptional, .breaking, file: newFile,
                  line: line(of: "orderId: string?", in: new), path: "types.Receipt.orderId",
                  message: "workflow 'checkout': output field 'orderId' became optional (string?, was string): readers must handle its absence")
    }

    @Test func fieldBecameRequired() throws {
        let new = edited([("input: { orderId: string, coupon: string? }", "input: { orderId: string, coupon: string }")])
        expectOne(try changes(baseSpec, new), .fieldBecameRequired, .breaking, file: newFile,
                  line: line(of: "coupon: string }", in: new), path: "workflows.checkout.input.coupon")
    }

    @Test func optionalityInTheOtherDirectionIsNoChange() throws {
        // An input field that becomes optional, an output field that becomes required: every
        // caller still compiles and works.
        let before = """
            baton: 1
            name: Shop
            services:
              echo:
                operations:
                  say: { input: { text: string? }, output: { text: string? } }
            workflows:
              say:
                input: { text: string }
                output: { text: string? }
                deadline: 1s
                steps:
                  say: { call: echo.say, with: { text: $input.text } }
                result: { text: $input.text }

            """
        let after = before
            .replacingOccurrences(of: "input: { text: string }", with: "input: { text: string? }")
            .replacingOccurrences(of: "output: { text: string? }\n    deadline", with: "output: { text: string }\n    deadline")
            .replacingOccurrences(of: "result: { text: $input.text }", with: "result: { text: hello }")
        #expect(try changes(before, after).isEmpty)
    }

    @Test func enumCaseRemoved() throws {
        let new = edited([("enum: [open, paid]", "enum: [open]")])
        expectOne(try changes(baseSpec, new), .enumCaseRemoved, .breaking, file: oldFile,
                  line: line(of: "enum: [open, paid]", in: baseSpec), path: "types.Status.paid",
                  message: "enum 'Status': case 'paid' removed")
    }

    @Test func enumCaseAdded() throws {
        let new = edited([("enum: [open, paid]", "enum: [open, paid, refunded]")])
        expectOne(try changes(baseSpec, new), .enumCaseAdded, .dangerous, file: newFile,
                  line: line(of: "enum: [open, paid, refunded]", in: new), path: "types.Status.refunded")
    }

    @Test func enumCaseAddedToAnInputOnlyIsNoChange() throws {
        let old = """
            baton: 1
            name: Shop
            types:
              Mode: { enum: [fast, slow] }
            services:
              jobs:
                operations:
                  run: { input: { mode: Mode }, output: { id: string } }
            workflows:
              run:
                input: { mode: Mode }
                output: { id: string }
                deadline: 1s
                steps:
                  run: { call: jobs.run, with: { mode: $input.mode } }
                result: { id: $run.id }

            """
        let new = old.replacingOccurrences(of: "[fast, slow]", with: "[fast, slow, batch]")
        #expect(try changes(old, new).isEmpty)
    }

    // MARK: operations

    @Test func operationAdded() throws {
        let new = edited([("      list:\n", "      cancel:\n        input: { id: string }\n        output: { ok: bool }\n      list:\n")])
        expectOne(try changes(baseSpec, new), .operationAdded, .breaking, file: newFile,
                  line: line(of: "cancel:", in: new), path: "services.orders.operations.cancel",
                  message: "operation 'orders.cancel' added: a new requirement of protocol 'OrdersService' that every implementation must add")
    }

    @Test func operationRemoved() throws {
        let new = edited([("      list:\n        input: { customer: string }\n        output: { ids: \"[string]\" }\n", "")])
        expectOne(try changes(baseSpec, new), .operationRemoved, .safe, file: oldFile,
                  line: line(of: "list:", in: baseSpec), path: "services.orders.operations.list",
                  message: "operation 'orders.list' removed")
    }

    @Test func idempotencyKeyRemoved() throws {
        let new = edited([("        idempotencyKey: chargeId\n", "")])
        expectOne(try changes(baseSpec, new), .idempotencyKeyRemoved, .dangerous, file: oldFile,
                  line: line(of: "idempotencyKey: chargeId", in: baseSpec),
                  path: "services.payments.operations.refund.idempotencyKey")
    }

    // MARK: policies

    @Test func deadlineDecreased() throws {
        let new = edited([("deadline: 800ms", "deadline: 600ms")])
        expectOne(try changes(baseSpec, new), .deadlineDecreased, .dangerous, file: newFile,
                  line: line(of: "deadline: 600ms", in: new), path: "workflows.checkout.deadline",
                  message: "workflow 'checkout': deadline decreased from 800ms to 600ms")
    }

    @Test func deadlineIncreasedIsNoChange() throws {
        #expect(try changes(baseSpec, edited([("deadline: 800ms", "deadline: 900ms")])).isEmpty)
    }

    @Test func timeoutDecreasedOnAServiceIsReportedOnceThere() throws {
        // Both payments operations and the charge step and compensation inherit it: one change.
        let new = edited([("timeout: 200ms", "timeout: 150ms")])
        expectOne(try changes(baseSpec, new), .timeoutDecreased, .dangerous, file: newFile,
                  line: line(of: "timeout: 150ms", in: new), path: "services.payments.timeout",
                  message: "service 'payments': timeout decreased from 200ms to 150ms")
    }

    @Test func timeoutDecreasedOnAStep() throws {
        let new = edited([("timeout: 50ms", "timeout: 30ms")])
        expectOne(try changes(baseSpec, new), .timeoutDecreased, .dangerous, file: newFile,
                  line: line(of: "timeout: 30ms", in: new), path: "workflows.checkout.steps.note.timeout",
                  message: "workflow 'checkout': step 'note': timeout decreased from 50ms to 30ms")
    }

    @Test func timeoutSetWhereOnlyTheDeadlineBoundedAttempts() throws {
        let new = edited([("  notes:\n    operations:", "  notes:\n    timeout: 40ms\n    operations:")])
        // The step's own 50ms still wins for the step; the service-level setting is new.
        expectOne(try changes(baseSpec, new), .timeoutDecreased, .dangerous, file: newFile,
                  line: line(of: "timeout: 40ms", in: new), path: "services.notes.timeout")
    }

    @Test func retriesDecreasedByRemovingARetry() throws {
        let new = edited([("        retry: { maxAttempts: 2 }\n", "")])
        expectOne(try changes(baseSpec, new), .retriesDecreased, .dangerous, file: newFile,
                  line: line(of: "charge:", in: new), path: "services.payments.operations.charge.retry",
                  message: "operation 'payments.charge': retry removed (was 2 attempts)")
    }

    @Test func retriesDecreasedInANamedPolicyIsReportedOnceAtItsEntry() throws {
        let new = edited([("standard: { maxAttempts: 3,", "standard: { maxAttempts: 2,")])
        expectOne(try changes(baseSpec, new), .retriesDecreased, .dangerous, file: newFile,
                  line: line(of: "standard: { maxAttempts: 2,", in: new), path: "policies.retries.standard.maxAttempts",
                  message: "retry policy 'standard': maxAttempts decreased from 3 to 2")
    }

    @Test func retriesDecreasedOnAStep() throws {
        let new = edited([("        call: payments.charge\n", "        call: payments.charge\n        retry: none\n")])
        expectOne(try changes(baseSpec, new), .retriesDecreased, .dangerous, file: newFile,
                  line: line(of: "retry: none", in: new), path: "workflows.checkout.steps.charge.retry")
    }

    // MARK: steps

    @Test func stepBecameRequired() throws {
        let new = edited([("        optional: true\n", "")])
        expectOne(try changes(baseSpec, new), .stepBecameRequired, .dangerous, file: newFile,
                  line: line(of: "note:", in: new, after: "steps:"), path: "workflows.checkout.steps.note.optional",
                  message: "workflow 'checkout': step 'note' is no longer optional: its failure now fails the run")
    }

    @Test func compensationRemoved() throws {
        let new = edited([("        compensate: { call: payments.refund, with: { chargeId: $charge.chargeId } }\n", "")])
        expectOne(try changes(baseSpec, new), .compensationRemoved, .dangerous, file: oldFile,
                  line: line(of: "compensate:", in: baseSpec), path: "workflows.checkout.steps.charge.compensate")
    }

    @Test func fallbackRemoved() throws {
        let new = edited([("        fallback: { value: { text: unknown } }\n", "")])
        expectOne(try changes(baseSpec, new), .fallbackRemoved, .dangerous, file: oldFile,
                  line: line(of: "fallback:", in: baseSpec), path: "workflows.checkout.steps.note.fallback")
    }

    // MARK: wire names and HTTP bindings

    static let wired = """
        baton: 1
        name: Shop
        types:
          Level:
            enum: [high, { name: low, json: LOW }]
          Order:
            id: string
            placedAt: { type: date, json: placed_at }
            level: Level
        services:
          orders:
            http: { baseURL: "http://orders:8080" }
            operations:
              get:
                input: { id: string }
                output: Order
                http: { method: GET, path: "/v1/orders/{id}" }
        workflows:
          show:
            input: { id: string }
            output: Order
            deadline: 1s
            steps:
              order: { call: orders.get, with: { id: $input.id } }
            result: { id: $order.id, placedAt: $order.placedAt, level: $order.level }

        """

    @Test func wireNameChangedOnAField() throws {
        let new = edited([("placedAt: { type: date, json: placed_at }", "placedAt: { type: date }")], in: Self.wired)
        expectOne(try changes(Self.wired, new), .wireNameChanged, .breaking, file: newFile,
                  line: line(of: "placedAt: { type: date }", in: new), path: "types.Order.placedAt",
                  message: "type 'Order': field 'placedAt' changed its JSON name from 'placed_at' to 'placedAt'")
    }

    @Test func wireNameChangedOnAnEnumCase() throws {
        let new = edited([("{ name: low, json: LOW }", "{ name: low, json: low_level }")], in: Self.wired)
        expectOne(try changes(Self.wired, new), .wireNameChanged, .breaking, file: newFile,
                  line: line(of: "json: low_level", in: new), path: "types.Level.low",
                  message: "enum 'Level': case 'low' changed its JSON value from 'LOW' to 'low_level'")
    }

    @Test func aWireNameWrittenTheWayTheSpecNameIsIsNoChange() throws {
        let plain = edited([("placedAt: { type: date, json: placed_at }", "placedAt: date"), ("{ name: low, json: LOW }", "low")],
                           in: Self.wired)
        let explicit = edited([("placedAt: { type: date, json: placed_at }", "placedAt: { type: date, json: placedAt }"),
                               ("{ name: low, json: LOW }", "{ name: low, json: low }")], in: Self.wired)
        #expect(try changes(plain, explicit).isEmpty)
    }

    @Test func operationHTTPChanged() throws {
        let new = edited([("path: \"/v1/orders/{id}\"", "path: \"/v2/orders/{id}\"")], in: Self.wired)
        expectOne(try changes(Self.wired, new), .operationHTTPChanged, .breaking, file: newFile,
                  line: line(of: "http: { method: GET", in: new), path: "services.orders.operations.get.http",
                  message: "operation 'orders.get': HTTP binding changed from GET /v1/orders/{id} to GET /v2/orders/{id}")
        let method = edited([("method: GET", "method: DELETE")], in: Self.wired)
        #expect(summary(try changes(Self.wired, method)) == ["operation-http-changed@\(newFile):\(line(of: "method: DELETE", in: method))"])
    }

    @Test func workflowHTTPChanged() throws {
        let routed = edited([("    deadline: 1s\n", "    deadline: 1s\n    http: { method: POST, path: /v1/show }\n")], in: Self.wired)
        let moved = edited([("path: /v1/show", "path: /v2/show")], in: routed)
        expectOne(try changes(routed, moved), .workflowHTTPChanged, .breaking, file: newFile,
                  line: line(of: "http: { method: POST", in: moved), path: "workflows.show.http",
                  message: "workflow 'show': served at POST /v2/show instead of POST /v1/show")
        // No longer served: callers of the route break; newly served: nothing breaks.
        let unserved = try changes(routed, Self.wired)
        #expect(summary(unserved) == ["workflow-http-changed@\(oldFile):\(line(of: "http: { method: POST", in: routed))"])
        #expect(try changes(Self.wired, routed).isEmpty)
    }

    // MARK: service level objectives

    static let withObjectives = edited([("    deadline: 800ms\n", """
            deadline: 800ms
            slo:
              availability: 99.5%
              latency: { threshold: 400ms, target: 99% }

        """)])

    @Test func sloTightenedByAHigherObjective() throws {
        let new = edited([("availability: 99.5%", "availability: 99.9%")], in: Self.withObjectives)
        expectOne(try changes(Self.withObjectives, new), .sloTightened, .dangerous, file: newFile,
                  line: line(of: "availability: 99.9%", in: new), path: "workflows.checkout.slo.availability",
                  message: "workflow 'checkout': availability objective raised from 99.5% to 99.9%")
    }

    @Test func sloTightenedByALowerThreshold() throws {
        let new = edited([("threshold: 400ms", "threshold: 300ms")], in: Self.withObjectives)
        expectOne(try changes(Self.withObjectives, new), .sloTightened, .dangerous, file: newFile,
                  line: line(of: "threshold: 300ms", in: new), path: "workflows.checkout.slo.latency.threshold")
    }

    @Test func sloTightenedByANewObjective() throws {
        expectOne(try changes(baseSpec, Self.withObjectives).filter { $0.path.hasSuffix("availability") },
                  .sloTightened, .dangerous, file: newFile, line: line(of: "availability: 99.5%", in: Self.withObjectives))
    }

    @Test func sloLoosenedIsNoChange() throws {
        let new = edited([("availability: 99.5%", "availability: 99%"), ("threshold: 400ms", "threshold: 500ms"),
                          ("target: 99%", "target: 95%")], in: Self.withObjectives)
        #expect(try changes(Self.withObjectives, new).isEmpty)
        #expect(try changes(Self.withObjectives, baseSpec).isEmpty)
    }
}
