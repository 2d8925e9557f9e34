/// A typed handle on a step of a workflow, used to read its value.
///
/// ``WorkflowBuilder/step(_:service:dependsOn:optional:when:policy:idempotencyKey:idempotency:cache:invalidates:fallback:compensation:call:)``
/// returns one per step; generated code keeps them and reads dependency values through
/// ``StepValues`` with them, so values keep their types without casts in user-facing code.
public struct StepKey<Output: Sendable>: Sendable, Hashable {
    /// The step's position in its workflow (declaration order).
    public let id: StepID

    init(id: StepID) {
        self.id = id
    }
}

/// Identifies a step of a workflow regardless of its output type; used to declare dependencies.
public struct StepID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The step's position in its workflow (declaration order).
    public let index: Int

    init(index: Int) {
        self.index = index
    }

    public static func < (lhs: StepID, rhs: StepID) -> Bool { lhs.index < rhs.index }

    public var description: String { "step #\(index)" }
}

/// Read access to the values of a run's finished steps.
///
/// A step's body, `when` predicate, idempotency key, fallback and compensation receive one; they
/// may read the steps they depend on (the checker and the generator guarantee that). The
/// workflow's result builder may read every step.
///
/// ```swift
/// let total = values[quote].total           // a required dependency
/// let level = values[ifPresent: stock]?.level // one that may be missing (optional, `when`)
/// ```
public struct StepValues: @unchecked Sendable {
    // Why unchecked: the slots are written once each, by the step that owns them, before any
    // reader is started (readers are dependants, added to the task group after the writer's
    // completion was received) — so there is never a concurrent read and write of one slot.
    private let slots: UnsafeMutablePointer<(any Sendable)?>
    /// Keeps the storage alive for values captured beyond the run (async steps).
    private let owner: AnyObject

    init(slots: UnsafeMutablePointer<(any Sendable)?>, owner: AnyObject) {
        self.slots = slots
        self.owner = owner
    }

    /// The value of a step that must have one (a required dependency that is never skipped).
    ///
    /// Traps when the step has no value: generated code reads possibly missing steps with
    /// ``subscript(ifPresent:)``.
    public subscript<Output>(_ key: StepKey<Output>) -> Output {
        guard let value = slots[key.id.index] else {
            preconditionFailure("step #\(key.id.index) has no value; read it with values[ifPresent:]")
        }
        // The slot of a `StepKey<Output>` only ever holds an `Output` (written by that step).
        return castSlot(value, to: Output.self)
    }

    /// The value of a step that may be missing (optional, conditional, or failed optional).
    public subscript<Output>(ifPresent key: StepKey<Output>) -> Output? {
        guard let value = slots[key.id.index] else { return nil }
        return castSlot(value, to: Output.self)
    }

    /// Whether the step produced a value.
    public func hasValue(_ id: StepID) -> Bool {
        slots[id.index] != nil
    }

    func store(_ value: any Sendable, at index: Int) {
        slots[index] = value
    }
}

/// `value as! T` without the generality of a dynamic cast: the executor only ever stores a step's
/// own `Output` in its slot, so a plain conditional cast with a trap is enough.
@inline(__always)
private func castSlot<T>(_ value: any Sendable, to: T.Type) -> T {
    guard let typed = value as? T else {
        preconditionFailure("step slot holds \(type(of: value)), expected \(T.self)")
    }
    return typed
}

/// The per-run storage of step values: one allocation holding every slot.
///
/// Not Sendable itself (ManagedBuffer forbids it); it crosses tasks only inside ``StepValues``.
final class RunSlots: ManagedBuffer<Int, (any Sendable)?> {
    static func make(count: Int) -> RunSlots {
        let buffer = RunSlots.create(minimumCapacity: Swift.max(count, 1)) { _ in count }
        buffer.withUnsafeMutablePointerToElements { $0.initialize(repeating: nil, count: count) }
        return unsafeDowncast(buffer, to: RunSlots.self)
    }

    var values: StepValues {
        withUnsafeMutablePointerToElements { StepValues(slots: $0, owner: self) }
    }

    deinit {
        _ = withUnsafeMutablePointers { count, elements in
            elements.deinitialize(count: count.pointee)
        }
    }
}
