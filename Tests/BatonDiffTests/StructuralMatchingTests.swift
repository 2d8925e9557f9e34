import Foundation
import Testing
@testable import BatonDiff
import BatonSpec

/// Matching is structural: what the resolved model means, not how the file is written.
@Suite struct StructuralMatchingTests {
    /// `baseSpec` rewritten: sections, types, services, operations and workflows reordered,
    /// comments, flow and block styles swapped, long-form records, the named retry policy written
    /// inline, quoting changed.
    static let reformatted = """
        # The same spec, written differently.
        workflows:
          status:   # reordered
            input:
              orderId: string
            output: { status: Status }
            deadline: 300ms
            steps:
              order:
                call: orders.get
                with:
                  id: $input.orderId
            result:
              status: $order.status
          checkout:
            deadline: 800ms
            input: { coupon: "string?", orderId: string }
            output: Receipt
            steps:
              order: { call: orders.get, with: { id: $input.orderId } }
              charge:
                with: { amount: $order.total, orderId: $order.id }
                call: payments.charge
                compensate:
                  call: payments.refund
                  with: { chargeId: $charge.chargeId }
              note:
                call: "notes.lookup"
                optional: true
                with: { id: $order.id }
                fallback:
                  value: { text: 'unknown' }
                timeout: 50ms
            result: { note: $note.text, orderId: $order.id, total: $order.total }
        name: Shop
        baton: 1
        services:
          notes:
            operations:
              lookup: { input: { id: string }, output: { text: string } }
          payments:
            operations:
              refund:
                access: write
                idempotencyKey: chargeId
                input: { chargeId: string }
                output:
                  ok: bool
              charge:
                retry:
                  maxAttempts: 2
                input: { amount: decimal, orderId: string }
                output: { chargeId: string }
                access: write
                idempotencyKey: orderId
            timeout: 200ms
          orders:
            operations:
              list:
                output: { ids: "[string]" }
                input: { customer: string }
              get: { input: { id: string }, output: Order }
            retry: { maxAttempts: 3, backoff: { max: 50ms, initial: 10ms } }
            timeout: 0.1s
        types:
          Receipt:
            description: What the caller gets.
            fields:
              total: decimal
              orderId: { type: string, description: The order. }
              note: string?
          Status: { enum: [paid, open] }
          Order: { status: Status, total: decimal, items: "[Item]", id: string }
          Item:
            quantity: int
            sku: string

        """

    @Test func reformattingIsNoChange() throws {
        #expect(try changes(baseSpec, Self.reformatted).isEmpty)
        #expect(try changes(Self.reformatted, baseSpec).isEmpty)
    }

    @Test func aSpecComparedWithItselfHasNoChange() throws {
        #expect(try changes(baseSpec, baseSpec).isEmpty)
    }

    @Test func aRenamedWorkflowIsARemovalPlusAnAddition() throws {
        let new = edited([("  status:\n    input", "  orderStatus:\n    input")])
        let found = try changes(baseSpec, new)
        #expect(found.map(\.id) == [.workflowAdded, .workflowRemoved] || found.map(\.id) == [.workflowRemoved, .workflowAdded])
        let removed = try #require(found.first { $0.id == .workflowRemoved })
        let added = try #require(found.first { $0.id == .workflowAdded })
        #expect(removed.location.file == oldFile)
        #expect(removed.message.contains("'status'"))
        #expect(added.location.file == newFile)
        #expect(added.location.line == line(of: "orderStatus:", in: new))
    }

    @Test func aRenamedOutputFieldIsARemovalPlusAnAddition() throws {
        let new = edited([("    note: string?\n", "    remark: string?\n"), ("      note: $note.text\n", "      remark: $note.text\n")])
        let found = try changes(baseSpec, new)
        #expect(Set(found.map(\.id)) == [.workflowOutputFieldRemoved, .workflowOutputFieldAdded])
        #expect(found.count == 2)
        #expect(found.first { $0.id == .workflowOutputFieldRemoved }?.path == "types.Receipt.note")
        #expect(found.first { $0.id == .workflowOutputFieldAdded }?.path == "types.Receipt.remark")
    }

    @Test func aRenamedOperationIsARemovalPlusAnAddition() throws {
        let new = edited([("      list:\n", "      search:\n")])
        let found = try changes(baseSpec, new)
        #expect(found.map(\.id).sorted { $0.rawValue < $1.rawValue } == [.operationAdded, .operationRemoved])
    }

    @Test func aTypeChangeIsReportedOncePerFieldNotOncePerUse() throws {
        // Item is nested in Order, which orders.get returns to two workflows, three steps.
        let new = edited([("    sku: string", "    sku: int")])
        #expect(summary(try changes(baseSpec, new)) == ["field-type-changed@\(newFile):\(line(of: "sku: int", in: new))"])
    }

    @Test func aWorkflowOutputRecordRenamedWithTheSameFieldsIsNoChange() throws {
        let new = edited([("  Receipt:\n", "  CheckoutReceipt:\n"), ("    output: Receipt\n", "    output: CheckoutReceipt\n")])
        #expect(try changes(baseSpec, new).isEmpty)
    }

    @Test func aWorkflowOutputSwitchedToAnotherRecordIsComparedFieldByField() throws {
        let new = edited([("  Receipt:\n    orderId: string\n    total: decimal\n    note: string?\n",
                           "  Receipt:\n    orderId: string\n    total: decimal\n    note: string?\n  Summary:\n    orderId: string\n    total: decimal\n"),
                          ("    output: Receipt\n", "    output: Summary\n"), ("      note: $note.text\n", "")])
        let found = try changes(baseSpec, new)
        #expect(found.map(\.id) == [.workflowOutputFieldRemoved])
        #expect(found.first?.message == "workflow 'checkout': output field 'note' removed: callers that read it stop compiling")
        #expect(found.first?.path == "workflows.checkout.output.note")
    }

    @Test func aNewSpecAddsEveryWorkflowAndAGoneSpecRemovesThem() throws {
        let spec = try resolve(baseSpec, path: newFile)
        let added = SpecDiff.changes(from: nil, to: spec)
        #expect(added.map(\.id) == [.workflowAdded, .workflowAdded])
        #expect(added.allSatisfy { $0.location.file == newFile })
        let old = try resolve(baseSpec, path: oldFile)
        let removed = SpecDiff.changes(from: old, to: nil)
        #expect(removed.map(\.id) == [.workflowRemoved, .workflowRemoved])
        #expect(removed.allSatisfy { $0.location.file == oldFile && $0.newLocation == nil })
    }

    @Test func aServiceAddedOrRemovedAsAWholeHasNoIdOfItsOwn() throws {
        // §15 has no id for it: no operation is added to or removed from an existing protocol.
        let new = edited([("  notes:\n", "  audit:\n    operations:\n      log: { input: { id: string }, output: { ok: bool } }\n  notes:\n")])
        #expect(try changes(baseSpec, new).isEmpty)
        #expect(try changes(new, baseSpec).isEmpty)
    }

    @Test func changesAreSortedByFilePosition() throws {
        let new = edited([("deadline: 800ms", "deadline: 500ms"), ("    quantity: int", "    quantity: double"),
                          ("enum: [open, paid]", "enum: [open]")])
        let found = try changes(baseSpec, new)
        #expect(found == found.sorted())
        // By file, then line: NEW's changes, then the removal located in OLD ("new/…" < "old/…").
        #expect(found.map(\.id) == [.fieldTypeChanged, .deadlineDecreased, .enumCaseRemoved])
    }

    @Test func removalsPointAtTheNearestPlaceStillInNew() throws {
        let new = edited([("        fallback: { value: { text: unknown } }\n", "")])
        let change = try #require(try changes(baseSpec, new).first)
        #expect(change.location.file == oldFile)
        #expect(change.newLocation?.file == newFile)
        #expect(change.newLocation?.line == line(of: "note:", in: new, after: "steps:"))
    }

    @Test func theSeveritiesAreThoseOfTheTable() {
        let breaking: Set<ChangeID> = [
            .workflowRemoved, .workflowInputFieldAdded, .workflowInputFieldRemoved, .workflowOutputFieldRemoved,
            .fieldTypeChanged, .fieldBecameOptional, .fieldBecameRequired, .enumCaseRemoved, .wireNameChanged,
            .operationAdded, .operationHTTPChanged, .workflowHTTPChanged,
        ]
        let dangerous: Set<ChangeID> = [
            .enumCaseAdded, .deadlineDecreased, .timeoutDecreased, .retriesDecreased, .stepBecameRequired,
            .compensationRemoved, .fallbackRemoved, .idempotencyKeyRemoved, .sloTightened,
        ]
        for id in ChangeID.allCases {
            let expected: ChangeSeverity = breaking.contains(id) ? .breaking : dangerous.contains(id) ? .dangerous : .safe
            #expect(id.severity == expected, "\(id.id)")
        }
        #expect(ChangeID.allCases.count == 25)
        #expect(ChangeID.allCases.filter { $0.severity == .safe }.map(\.id).sorted()
                == ["operation-removed", "workflow-added", "workflow-input-field-added-optional", "workflow-output-field-added"])
    }
}
