#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One operation a generated orchestrator can call by name with an encoded input: a compensation
/// that recovery runs for a run whose replica died, or a `mode: async` call that a durable queue
/// delivers from another process.
///
/// Generated orchestrators make one per compensating operation and per async operation (and
/// policy), with the service call and the policy of the spec; ``StepCompensation`` and
/// ``WorkflowBuilder/asyncStep(_:service:dependsOn:when:policy:idempotencyKey:idempotency:invalidates:handler:request:)``
/// use the same handler, so a call made by name behaves as the one made in the run.
public struct OperationHandler<Request: Codable & Sendable>: Sendable {
    /// The name the call is registered under: `service.operation`, or
    /// `service.operation#policy` when the spec calls the operation under more than one policy.
    public let name: String
    /// The call's policy (retries, timeout, breaker).
    public let policy: any CallPolicy
    /// Makes one attempt.
    public let call: @Sendable (Request, CallContext) async throws -> Void

    /// - Parameters:
    ///   - name: The registry name (`service.operation`).
    ///   - policy: The call's policy.
    ///   - call: Makes one attempt with the decoded request.
    public init(_ name: String, policy: any CallPolicy, call: @escaping @Sendable (Request, CallContext) async throws -> Void) {
        self.name = name
        self.policy = policy
        self.call = call
    }

    /// The handler with its request type erased to bytes (JSON), for a ``CallRegistry``.
    public var entry: CallRegistry.Entry {
        let policy = self.policy
        let call = self.call
        return CallRegistry.Entry(name: name) { bytes, context in
            let request: Request
            do {
                request = try JSONDecoder().decode(Request.self, from: Data(bytes))
            } catch {
                throw CallRegistryError.undecodableInput(name: self.name, reason: "\(error)")
            }
            try await policy.run(context, log: AttemptLog()) { context in try await call(request, context) }
        }
    }

    /// Encodes `request` the way ``entry`` decodes it.
    public func encode(_ request: Request) throws -> [UInt8] {
        Array(try JSONEncoder().encode(request))
    }
}

/// Why a call by name could not be made.
public enum CallRegistryError: Error, ClassifiedError, CustomStringConvertible, Equatable {
    /// No handler is registered under the name (the spec changed since the call was recorded).
    case unknownOperation(String)
    /// The stored input does not decode as the operation's request.
    case undecodableInput(name: String, reason: String)

    /// Permanent: retrying does not make the call known or the bytes decodable.
    public var errorClass: ErrorClass { .permanent }

    public var description: String {
        switch self {
        case .unknownOperation(let name): "no operation '\(name)' is registered (was the spec changed since the call was recorded?)"
        case .undecodableInput(let name, let reason): "the stored input of '\(name)' does not decode: \(reason)"
        }
    }
}

/// Operations callable by name with an encoded input: the compensations or the async calls of a
/// generated orchestrator (`orchestrator.compensations`, `orchestrator.asyncCalls`).
///
/// Saga recovery (``SagaJournal``) calls compensations of runs whose replica died through it, and
/// a durable ``AsyncCallQueue`` delivers queued calls through it, each under the policy of the
/// spec and with the recorded idempotency key.
public struct CallRegistry: Sendable {
    /// One named, type-erased handler.
    public struct Entry: Sendable {
        /// The registry name.
        public let name: String
        let run: @Sendable ([UInt8], CallContext) async throws -> Void

        /// - Parameters:
        ///   - name: The registry name.
        ///   - run: Decodes the input and makes the call under its policy.
        public init(name: String, run: @escaping @Sendable ([UInt8], CallContext) async throws -> Void) {
            self.name = name
            self.run = run
        }
    }

    private let entries: [String: Entry]

    /// A registry of `entries`; a later entry with a name already used replaces the earlier one.
    public init(_ entries: [Entry] = []) {
        var byName: [String: Entry] = [:]
        for entry in entries { byName[entry.name] = entry }
        self.entries = byName
    }

    /// The registered names, sorted.
    public var names: [String] { entries.keys.sorted() }

    /// Whether `name` is registered.
    public func contains(_ name: String) -> Bool { entries[name] != nil }

    /// A registry with the entries of both (`other`'s win on equal names).
    public func merging(_ other: CallRegistry) -> CallRegistry {
        CallRegistry(Array(entries.values) + Array(other.entries.values))
    }

    /// Calls `name` with its encoded `input` under the operation's policy.
    ///
    /// - Parameters:
    ///   - name: The registry name.
    ///   - input: The JSON-encoded request.
    ///   - context: The call's context: workflow, step, correlation id, idempotency key, deadline.
    ///     The call runs under `context.deadline` as ``Deadline/current``.
    /// - Throws: ``CallRegistryError`` for an unknown name or an undecodable input, or the call's
    ///   error.
    public func call(_ name: String, input: [UInt8], context: CallContext) async throws {
        guard let entry = entries[name] else { throw CallRegistryError.unknownOperation(name) }
        if let deadline = context.deadline {
            try await Deadline.$current.withValue(deadline) { try await entry.run(input, context) }
        } else {
            try await entry.run(input, context)
        }
    }
}
