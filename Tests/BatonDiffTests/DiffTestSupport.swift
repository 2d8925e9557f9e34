import Foundation
import Testing
@testable import BatonDiff
import BatonSpec

/// The OLD version most tests start from: declared and inline records, an enum in outputs, a
/// named retry policy, a write with an idempotency key and its compensation, an optional step
/// with a timeout and a fallback, and an unused operation.
let baseSpec = """
    baton: 1
    name: Shop
    types:
      Item:
        sku: string
        quantity: int
      Order:
        id: string
        items: "[Item]"
        total: decimal
        status: Status
      Status:
        enum: [open, paid]
      Receipt:
        orderId: string
        total: decimal
        note: string?
    policies:
      retries:
        standard: { maxAttempts: 3, backoff: { initial: 10ms, max: 50ms } }
    services:
      orders:
        timeout: 100ms
        retry: standard
        operations:
          get:
            input: { id: string }
            output: Order
          list:
            input: { customer: string }
            output: { ids: "[string]" }
      payments:
        timeout: 200ms
        operations:
          charge:
            input: { orderId: string, amount: decimal }
            output: { chargeId: string }
            access: write
            idempotencyKey: orderId
            retry: { maxAttempts: 2 }
          refund:
            input: { chargeId: string }
            output: { ok: bool }
            access: write
            idempotencyKey: chargeId
      notes:
        operations:
          lookup:
            input: { id: string }
            output: { text: string }
    workflows:
      checkout:
        input: { orderId: string, coupon: string? }
        output: Receipt
        deadline: 800ms
        steps:
          order:
            call: orders.get
            with: { id: $input.orderId }
          charge:
            call: payments.charge
            with: { orderId: $order.id, amount: $order.total }
            compensate: { call: payments.refund, with: { chargeId: $charge.chargeId } }
          note:
            call: notes.lookup
            with: { id: $order.id }
            optional: true
            timeout: 50ms
            fallback: { value: { text: unknown } }
        result:
          orderId: $order.id
          total: $order.total
          note: $note.text
      status:
        input: { orderId: string }
        output: { status: Status }
        deadline: 300ms
        steps:
          order: { call: orders.get, with: { id: $input.orderId } }
        result: { status: $order.status }

    """

/// The file names OLD and NEW are checked under.
let oldFile = "old/shop.baton.yaml"
let newFile = "new/shop.baton.yaml"

/// Checks a spec that must resolve (warnings allowed).
func resolve(_ yaml: String, path: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> ResolvedSpec {
    let result = SpecChecker.check(SpecSource(path: path, text: yaml))
    let errors = result.errors.map { "\($0.location.line):\($0.location.column): \($0.message) [\($0.rule.id)]" }
    #expect(errors.isEmpty, "\(path) has errors: \(errors)", sourceLocation: sourceLocation)
    return try #require(result.spec, sourceLocation: sourceLocation)
}

/// The changes from `old` to `new`.
func changes(_ old: String, _ new: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> [SpecChange] {
    SpecDiff.changes(from: try resolve(old, path: oldFile, sourceLocation: sourceLocation),
                     to: try resolve(new, path: newFile, sourceLocation: sourceLocation))
}

/// `baseSpec` with each `(of, with)` replacement applied exactly once.
func edited(_ replacements: [(String, String)], in text: String = baseSpec,
            sourceLocation: Testing.SourceLocation = #_sourceLocation) -> String {
    var text = text
    for (of, with) in replacements {
        let count = text.components(separatedBy: of).count - 1
        #expect(count == 1, "'\(of)' occurs \(count) times", sourceLocation: sourceLocation)
        if let range = text.range(of: of) { text.replaceSubrange(range, with: with) }
    }
    return text
}

/// The 1-based line of the first line of `text` that contains `fragment` (after line `after`
/// when given, to tell apart lines that repeat).
func line(of fragment: String, in text: String, after: String? = nil, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Int {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    var start = 0
    if let after, let index = lines.firstIndex(where: { $0.contains(after) }) { start = index + 1 }
    guard let index = lines[start...].firstIndex(where: { $0.contains(fragment) }) else {
        Issue.record("no line contains '\(fragment)'", sourceLocation: sourceLocation)
        return 0
    }
    return index + 1
}

/// `id@file:line` for compact comparisons.
func summary(_ changes: [SpecChange]) -> [String] {
    changes.map { "\($0.id.id)@\($0.location.file):\($0.location.line)" }
}
