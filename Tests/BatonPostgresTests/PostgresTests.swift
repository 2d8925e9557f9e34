import BatonPostgres
import BatonRuntime
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Testing

struct Charge: Codable, Sendable, Equatable {
    var id: String
}

struct RefundRequest: Codable, Sendable {
    var chargeID: String
}

struct MailRequest: Codable, Sendable {
    var orderID: String
}

struct Declined: Error, ClassifiedError {
    var errorClass: ErrorClass { .permanent }
}

/// Every test against a real PostgreSQL, one at a time (the outage test stops the server).
@Suite("Postgres", .serialized, .enabled(if: PostgresEnvironment.isAvailable, "set BATON_TEST_POSTGRES_URL (scripts/with-postgres) to run"))
struct PostgresTests {
    // MARK: Schema

    @Test("the migration is idempotent and schema.sql is the migration with the prefix baton_")
    func migrationIsIdempotent() async throws {
        try await PostgresTestDatabase.with { database in
            try await database.replicas.migrate()
            try await database.replicas.migrate()
            let tables = try await database.scalar(
                "SELECT count(*)::bigint FROM information_schema.tables WHERE table_name LIKE '\(database.prefix)%'", as: Int64.self
            )
            #expect(tables == 5)  // four stores and the test's call log
        }
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/BatonPostgres/schema.sql")
        let script = "-- The tables of BatonPostgres with the default prefix baton_ (PostgresSchema.statements).\n"
            + "-- Idempotent; generated from the code by BATON_UPDATE_SCHEMA=1 swift test --filter Postgres.\n\n"
            + (try PostgresSchema()).script
        if ProcessInfo.processInfo.environment["BATON_UPDATE_SCHEMA"] != nil {
            try script.write(to: file, atomically: true, encoding: .utf8)
        }
        #expect(try String(contentsOf: file, encoding: .utf8) == script)
    }

    @Test("a table prefix that is not a plain identifier is refused")
    func badPrefix() {
        #expect(throws: PostgresStoreError.self) { try PostgresSchema(prefix: "x; DROP TABLE y") }
        #expect(throws: PostgresStoreError.self) { try PostgresSchema(prefix: "1abc") }
    }

    // MARK: Idempotency

    @Test("a success is remembered and replayed; a failure is not remembered")
    func idempotencyReplayAndFailure() async throws {
        try await PostgresTestDatabase.with { database in
            let store = database.replicas.idempotencyStore
            let key = IdempotencyKey(scope: "payments.charge", value: "order-1")
            let first = try await store.execute(key: key, ttl: .seconds(60)) {
                try await database.logCall(kind: "charge", key: "order-1")
                return Charge(id: "ch-1")
            }
            let second = try await store.execute(key: key, ttl: .seconds(60)) {
                try await database.logCall(kind: "charge", key: "order-1")
                return Charge(id: "ch-2")
            }
            #expect(first == Charge(id: "ch-1"))
            #expect(second == Charge(id: "ch-1"))

            let failing = IdempotencyKey(scope: "payments.charge", value: "order-2")
            await #expect(throws: Declined.self) {
                _ = try await store.execute(key: failing, ttl: .seconds(60)) { () async throws -> Charge in
                    try await database.logCall(kind: "charge", key: "order-2")
                    throw Declined()
                }
            }
            let retried = try await store.execute(key: failing, ttl: .seconds(60)) {
                try await database.logCall(kind: "charge", key: "order-2")
                return Charge(id: "ch-3")
            }
            #expect(retried == Charge(id: "ch-3"))
            #expect(try await database.calls() == ["charge order-1", "charge order-2", "charge order-2"])

            await store.forget(key)
            _ = try await store.execute(key: key, ttl: .seconds(60)) {
                try await database.logCall(kind: "charge", key: "order-1")
                return Charge(id: "ch-4")
            }
            #expect(try await database.calls().filter { $0 == "charge order-1" }.count == 2)
        }
    }

    @Test("a claim whose owner died is taken over after its lease")
    func idempotencyLeaseTakeover() async throws {
        try await PostgresTestDatabase.with { database in
            let table = database.replicas.schema.idempotency
            // A claim of a process that died a minute ago, its lease long expired.
            try await database.client.query(
                """
                INSERT INTO \(unescaped: table) (scope, key, state, owner, lease_until)
                VALUES ('payments.charge', 'order-9', 'running', 'dead-process', clock_timestamp() - interval '1 minute')
                """
            )
            let charge = try await database.replicas.idempotencyStore.execute(key: IdempotencyKey(scope: "payments.charge", value: "order-9"), ttl: .seconds(60)) {
                Charge(id: "ch-9")
            }
            #expect(charge == Charge(id: "ch-9"))
        }
    }

    @Test("a corrupted stored result is a clear error for that key, and other keys still work")
    func corruptedResult() async throws {
        try await PostgresTestDatabase.with { database in
            let table = database.replicas.schema.idempotency
            let garbage = Data([0xFF, 0x00, 0x7B, 0x22])
            try await database.client.query(
                """
                INSERT INTO \(unescaped: table) (scope, key, state, owner, lease_until, result, expires_at)
                VALUES ('payments.charge', 'order-c', 'done', 'x', clock_timestamp(), \(garbage), clock_timestamp() + interval '1 hour')
                """
            )
            let store = database.replicas.idempotencyStore
            do {
                _ = try await store.execute(key: IdempotencyKey(scope: "payments.charge", value: "order-c"), ttl: .seconds(60)) {
                    Charge(id: "never")
                }
                Issue.record("a corrupted result was returned")
            } catch let error as PostgresIdempotencyError {
                guard case .corruptedResult(let key, _) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(key == "payments.charge:order-c")
                #expect(error.errorClass == .permanent)
                #expect("\(error)".contains("does not decode"))
            }
            let other = try await store.execute(key: IdempotencyKey(scope: "payments.charge", value: "order-d"), ttl: .seconds(60)) {
                Charge(id: "ch-d")
            }
            #expect(other == Charge(id: "ch-d"))
        }
    }

    @Test("two processes with the same idempotency key at the same time: one downstream call")
    func idempotencyAcrossProcesses() async throws {
        try await PostgresTestDatabase.with { database in
            let children = try (0..<2).map { _ in try ChildProcess(["idempotent", database.url, database.prefix, "order-42"]) }
            var answers: [String] = []
            for child in children {
                #expect(try await child.wait() == 0)
                answers.append(try await child.waitForLine(startingWith: "CHARGE "))
            }
            #expect(try await database.calls() == ["charge order-42"])
            #expect(Set(answers).count == 1, "both got the one execution's value: \(answers)")
        }
    }

    // MARK: Saga journal and recovery

    @Test("a child killed after a compensable step is compensated exactly once by another process's recovery")
    func sagaCrashRecovery() async throws {
        try await PostgresTestDatabase.with(configure: { $0.sagaLease = .seconds(1) }) { database in
            let child = try ChildProcess(["saga", database.url, database.prefix, "order-7"])
            _ = try await child.waitForLine(startingWith: "CHARGED")
            child.kill()
            #expect(try await database.calls() == ["charge order-7"])
            // Before the lease ran out nothing is taken over.
            // Two recovery processes at once after the lease: one takes the run, one compensation.
            try await Task.sleep(for: .milliseconds(1_200))
            let recoverers = try (0..<2).map { _ in try ChildProcess(["recover", database.url, database.prefix]) }
            var recovered = 0
            for recoverer in recoverers {
                #expect(try await recoverer.wait() == 0)
                let line = try await recoverer.waitForLine(startingWith: "RECOVERED ")
                recovered += Int(line.dropFirst("RECOVERED ".count)) ?? -100
            }
            #expect(recovered == 1)
            #expect(try await database.calls() == ["charge order-7", "refund order-7:charge:compensate"])
            let state = try await database.scalar("SELECT state FROM \(database.replicas.schema.sagaRuns)", as: String.self)
            #expect(state == "compensated")
        }
    }

    @Test("a slow owner whose run was taken over compensates nothing twice and fails the run")
    func slowOwner() async throws {
        try await PostgresTestDatabase.with(configure: { $0.sagaLease = .seconds(30) }) { database in
            let refund = OperationHandler<RefundRequest>("payments.refund", policy: SingleAttempt()) { _, context in
                try await database.logCall(kind: "refund", key: context.idempotencyKey ?? "")
            }
            let journal = database.replicas.sagaJournal
            let runs = database.replicas.schema.sagaRuns
            let gate = Gate()
            var builder = WorkflowBuilder<String>(workflow: "slow", deadline: .seconds(60), sagaJournal: journal)
            let charge: StepKey<Charge> = builder.step(
                "charge", service: "payments", policy: SingleAttempt(),
                compensation: StepCompensation(refund) { _, output, _ in RefundRequest(chargeID: output.id) }
            ) { input, _, _ in
                try await database.logCall(kind: "charge", key: input)
                return Charge(id: "ch")
            }
            builder.step("reserve", service: "inventory", dependsOn: [charge.id], policy: SingleAttempt()) { _, _, _ -> Int in
                await gate.wait()
                return 1
            }
            let workflow = builder.build { _, values in values[charge].id }
            let run = Task { try await workflow.run("order-5", correlationID: "order-5") }
            #expect(try await eventually { try await database.calls() == ["charge order-5"] })
            #expect(try await eventually { try await database.scalar("SELECT count(*)::bigint FROM \(runs)", as: Int64.self) == 1 })
            // The owner is slow: its lease runs out and another replica's recovery takes over.
            try await database.client.query("UPDATE \(unescaped: runs) SET lease_until = clock_timestamp() - interval '1 second'")
            let other = try PostgresSagaJournal(client: database.client, schema: PostgresSchema(prefix: database.prefix))
            let recovery = PostgresSagaRecovery(journal: other, compensations: CallRegistry([refund.entry]))
            #expect(await recovery.recoverOnce() == 1)
            gate.open()
            do {
                _ = try await run.value
                Issue.record("the run of a taken-over saga succeeded")
            } catch let error as WorkflowError {
                #expect(error.underlying is PostgresSagaTakenOver)
                #expect(error.compensations.isEmpty, "the owner compensates nothing that recovery did")
            }
            #expect(try await database.calls() == ["charge order-5", "refund order-5:charge:compensate"])
        }
    }

    @Test("a run that fails compensates in place and its saga ends compensated; a run that succeeds leaves no rows")
    func sagaInProcess() async throws {
        try await PostgresTestDatabase.with { database in
            let refund = OperationHandler<RefundRequest>("payments.refund", policy: SingleAttempt()) { request, context in
                try await database.logCall(kind: "refund \(request.chargeID)", key: context.idempotencyKey ?? "")
            }
            var builder = WorkflowBuilder<Bool>(workflow: "w", deadline: .seconds(60), sagaJournal: database.replicas.sagaJournal)
            let charge: StepKey<Charge> = builder.step(
                "charge", service: "payments", policy: SingleAttempt(),
                compensation: StepCompensation(refund) { _, output, _ in RefundRequest(chargeID: output.id) }
            ) { _, _, _ in Charge(id: "ch-1") }
            builder.step("reserve", service: "inventory", dependsOn: [charge.id], policy: SingleAttempt()) { fail, _, _ -> Int in
                if fail { throw Declined() }
                return 1
            }
            let workflow = builder.build { _, values in values[charge].id }
            _ = try await workflow.run(false, correlationID: "ok")
            let schema = database.replicas.schema
            #expect(try await database.scalar("SELECT count(*)::bigint FROM \(schema.sagaRuns)", as: Int64.self) == 0)
            #expect(try await database.scalar("SELECT count(*)::bigint FROM \(schema.sagaSteps)", as: Int64.self) == 0)
            await #expect(throws: WorkflowError.self) { _ = try await workflow.run(true, correlationID: "bad") }
            #expect(try await database.calls() == ["refund ch-1 bad:charge:compensate"])
            #expect(try await database.scalar("SELECT state FROM \(schema.sagaRuns)", as: String.self) == "compensated")
            #expect(try await database.scalar("SELECT state FROM \(schema.sagaSteps)", as: String.self) == "compensated")
            // Nothing left for recovery.
            try await database.client.query("UPDATE \(unescaped: schema.sagaRuns) SET lease_until = clock_timestamp() - interval '1 second'")
            let recovery = PostgresSagaRecovery(journal: database.replicas.sagaJournal, compensations: CallRegistry([refund.entry]))
            #expect(await recovery.recoverOnce() == 0)
        }
    }

    // MARK: Durable async queue

    @Test("a worker killed mid-delivery: the call is delivered after the lease, with its idempotency key")
    func deliveryAfterCrash() async throws {
        try await PostgresTestDatabase.with { database in
            let queue = database.replicas.asyncCallQueue
            let input = Array(try JSONEncoder().encode(MailRequest(orderID: "o-1")))
            try await queue.enqueue(AsyncCall(workflow: "checkout", step: "receipt", operation: "mail.send", correlationID: "c-1", idempotencyKey: "o-1", input: input))
            let child = try ChildProcess(["deliver", database.url, database.prefix])
            _ = try await child.waitForLine(startingWith: "DELIVERING")
            child.kill()
            let mail = OperationHandler<MailRequest>("mail.send", policy: SingleAttempt()) { request, context in
                try await database.logCall(kind: "delivered \(request.orderID)", key: context.idempotencyKey ?? "")
            }
            var configuration = PostgresAsyncCallDelivery.Configuration()
            configuration.lease = .seconds(1)
            let worker = PostgresAsyncCallDelivery(queue: queue, asyncCalls: CallRegistry([mail.entry]), configuration: configuration)
            #expect(try await worker.deliverOne() == false, "the dead worker's lease still holds the call")
            #expect(try await eventually { try await worker.deliverOne() })
            #expect(try await database.calls() == ["delivering o-1", "delivered o-1 o-1"])
            #expect(try await worker.deliverOne() == false)
            #expect(try await queue.counts().isEmpty)
        }
    }

    @Test("failed deliveries back off and go dead after the last attempt")
    func deadLetter() async throws {
        try await PostgresTestDatabase.with { database in
            let queue = database.replicas.asyncCallQueue
            let input = Array(try JSONEncoder().encode(MailRequest(orderID: "o-2")))
            try await queue.enqueue(AsyncCall(workflow: "w", step: "s", operation: "mail.send", correlationID: "c", idempotencyKey: nil, input: input))
            let attempts = Box(0)
            let mail = OperationHandler<MailRequest>("mail.send", policy: SingleAttempt()) { _, _ in
                attempts.withLock { $0 += 1 }
                throw Declined()
            }
            var configuration = PostgresAsyncCallDelivery.Configuration()
            configuration.maxAttempts = 3
            configuration.backoffBase = .milliseconds(200)
            let worker = PostgresAsyncCallDelivery(queue: queue, asyncCalls: CallRegistry([mail.entry]), configuration: configuration)
            #expect(try await worker.deliverOne())
            #expect(try await worker.deliverOne() == false, "backing off")
            #expect(try await eventually { try await worker.deliverOne() })
            #expect(try await eventually { try await worker.deliverOne() })
            #expect(attempts.withLock { $0 } == 3)
            #expect(try await queue.counts() == ["dead": 1])
            #expect(worker.counts.dead == 1)
            #expect(try await worker.deliverOne() == false)
        }
    }

    @Test("an unknown operation or an undecodable input goes dead at once")
    func undeliverable() async throws {
        try await PostgresTestDatabase.with { database in
            let queue = database.replicas.asyncCallQueue
            try await queue.enqueue(AsyncCall(workflow: "w", step: "s", operation: "mail.send", correlationID: "c", idempotencyKey: nil, input: [0xFF]))
            try await queue.enqueue(AsyncCall(workflow: "w", step: "s", operation: "gone.op", correlationID: "c", idempotencyKey: nil, input: []))
            let mail = OperationHandler<MailRequest>("mail.send", policy: SingleAttempt()) { _, _ in }
            let worker = PostgresAsyncCallDelivery(queue: queue, asyncCalls: CallRegistry([mail.entry]))
            #expect(try await worker.deliverOne())
            #expect(try await worker.deliverOne())
            #expect(try await queue.counts() == ["dead": 2])
        }
    }

    @Test("workers bound the calls in flight and drain them on graceful shutdown")
    func boundedAndDrained() async throws {
        try await PostgresTestDatabase.with { database in
            let queue = database.replicas.asyncCallQueue
            for index in 0..<12 {
                let input = Array(try JSONEncoder().encode(MailRequest(orderID: "o-\(index)")))
                try await queue.enqueue(AsyncCall(workflow: "w", step: "s", operation: "mail.send", correlationID: "c", idempotencyKey: "k\(index)", input: input))
            }
            let inFlight = Box((now: 0, most: 0, done: 0))
            let mail = OperationHandler<MailRequest>("mail.send", policy: SingleAttempt()) { _, _ in
                inFlight.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
                try? await Task.sleep(for: .milliseconds(150))
                inFlight.withLock { $0.now -= 1; $0.done += 1 }
            }
            var configuration = PostgresAsyncCallDelivery.Configuration()
            configuration.workers = 3
            configuration.idlePoll = .milliseconds(20)
            let worker = PostgresAsyncCallDelivery(queue: queue, asyncCalls: CallRegistry([mail.entry]), configuration: configuration)
            let group = ServiceGroup(services: [worker], logger: Logger(label: "test"))
            let running = Task { try await group.run() }
            #expect(try await eventually { inFlight.withLock { $0.done } >= 3 && inFlight.withLock { $0.now } > 0 })
            await group.triggerGracefulShutdown()
            try await running.value
            let state = inFlight.withLock { $0 }
            #expect(state.now == 0, "every call in flight finished before run() returned")
            #expect(state.most <= 3)
            #expect(state.most >= 2)
            let pending = try await queue.counts()["pending"] ?? 0
            #expect(pending == 12 - state.done, "what was not delivered stays pending for others")
        }
    }

    @Test("a workflow's async step goes through the durable queue and is delivered by name")
    func durableAsyncStep() async throws {
        try await PostgresTestDatabase.with { database in
            let mail = OperationHandler<MailRequest>("mail.send", policy: SingleAttempt()) { request, context in
                try await database.logCall(kind: "mail \(request.orderID)", key: context.idempotencyKey ?? "")
            }
            var builder = WorkflowBuilder<String>(workflow: "w", deadline: .seconds(5), asyncCallQueue: database.replicas.asyncCallQueue)
            builder.asyncStep(
                "receipt", service: "mail", policy: SingleAttempt(), idempotencyKey: { input, _ in input },
                handler: mail, request: { input, _ in MailRequest(orderID: input) }
            )
            let workflow = builder.build { input, _ in input }
            let result = try await workflow.run("o-5", correlationID: "c-5")
            #expect(result.report.steps.first?.outcome == .enqueued)
            #expect(try await database.calls().isEmpty)
            let worker = PostgresAsyncCallDelivery(queue: database.replicas.asyncCallQueue, asyncCalls: CallRegistry([mail.entry]))
            #expect(try await worker.deliverOne())
            #expect(try await database.calls() == ["mail o-5 o-5"])
        }
    }

    // MARK: Cache invalidation

    @Test("an invalidation published by one replica drops the matching entries of another")
    func invalidationAcrossReplicas() async throws {
        try await PostgresTestDatabase.with { database in
            struct Key: Codable, Hashable, Sendable { var cartId: String }
            let schema = database.replicas.schema
            let busA = PostgresInvalidationBus(client: database.client, schema: schema)
            let busB = PostgresInvalidationBus(client: database.client, schema: schema)
            let cacheB = ResponseCache<Key, String>(service: "cart", operation: "getCart", policy: CachePolicy(ttl: .seconds(600)))
            busB.subscribe([CacheInvalidationTarget("cart.getCart", cache: cacheB)])
            let group = ServiceGroup(services: [busA, busB], logger: Logger(label: "test"))
            let running = Task { try await group.run() }
            #expect(try await eventually { busA.isListening && busB.isListening })
            await cacheB.prewarm(key: Key(cartId: "a"), value: "cart a")
            await cacheB.prewarm(key: Key(cartId: "b"), value: "cart b")
            await busA.publish(CacheInvalidationMessage(cache: "cart.getCart", match: ["cartId": .string("a")]))
            #expect(try await eventually { busB.receivedCount == 1 })
            #expect(await cacheB.serveStale(for: Key(cartId: "a")) == nil)
            #expect(await cacheB.serveStale(for: Key(cartId: "b")) == "cart b")
            #expect(busA.receivedCount == 0, "a replica ignores its own messages")
            await group.triggerGracefulShutdown()
            try await running.value
        }
    }

    // MARK: Outage

    @Test(
        "PostgreSQL down for a moment: calls fail unavailable, the stores recover, nothing is lost or duplicated",
        .enabled(if: PostgresEnvironment.control != nil, "set BATON_TEST_POSTGRES_CONTROL (scripts/with-postgres does)")
    )
    func outage() async throws {
        try await PostgresTestDatabase.with(configure: { $0.operationTimeout = .seconds(1) }) { database in
            let control = try #require(PostgresEnvironment.control)
            let queue = database.replicas.asyncCallQueue
            let store = database.replicas.idempotencyStore
            let input = Array(try JSONEncoder().encode(MailRequest(orderID: "before")))
            try await queue.enqueue(AsyncCall(workflow: "w", step: "s", operation: "mail.send", correlationID: "c", idempotencyKey: "before", input: input))
            _ = try await store.execute(key: IdempotencyKey(scope: "payments.charge", value: "o-1"), ttl: .seconds(600)) { Charge(id: "ch-1") }

            try runControl(control, "stop")
            do {
                _ = try await store.execute(key: IdempotencyKey(scope: "payments.charge", value: "o-2"), ttl: .seconds(600)) { () -> Charge in
                    Issue.record("executed without holding the key")
                    return Charge(id: "x")
                }
                Issue.record("the store answered with the database down")
            } catch let error as PostgresStoreError {
                #expect(error.errorClass == .unavailable)
                #expect(ErrorClassifier.standard.classify(error).errorClass == .unavailable)
            }
            await #expect(throws: PostgresStoreError.self) {
                try await queue.enqueue(AsyncCall(workflow: "w", step: "s", operation: "mail.send", correlationID: "c", idempotencyKey: "during", input: input))
            }
            try runControl(control, "start")

            let delivered = Box([String]())
            let mail = OperationHandler<MailRequest>("mail.send", policy: SingleAttempt()) { request, _ in
                delivered.withLock { $0.append(request.orderID) }
            }
            let worker = PostgresAsyncCallDelivery(queue: queue, asyncCalls: CallRegistry([mail.entry]))
            #expect(try await eventually(within: .seconds(30)) { (try? await worker.deliverOne()) == true })
            #expect(try await worker.deliverOne() == false)
            #expect(delivered.withLock { $0 } == ["before"])
            let replay = try await store.execute(key: IdempotencyKey(scope: "payments.charge", value: "o-1"), ttl: .seconds(600)) { Charge(id: "again") }
            #expect(replay == Charge(id: "ch-1"), "the remembered outcome survived")
            let fresh = try await store.execute(key: IdempotencyKey(scope: "payments.charge", value: "o-2"), ttl: .seconds(600)) { Charge(id: "ch-2") }
            #expect(fresh == Charge(id: "ch-2"))
        }
    }

    /// Runs the cluster's control script and waits for it (with `waitpid`: Foundation's
    /// `waitUntilExit` can miss the end of a child whose grandchild, the server, lives on).
    private func runControl(_ script: String, _ action: String) throws {
        var pid: pid_t = 0
        let arguments = ["/bin/sh", script, action]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let spawned = posix_spawn(&pid, "/bin/sh", nil, nil, &argv, environ)
        try #require(spawned == 0, "posix_spawn \(script) \(action): \(spawned)")
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        #expect(status == 0, "\(script) \(action) exited with status \(status)")
    }
}

/// Shared state for closures that run concurrently.
final class Box<Value: Sendable>: Sendable {
    private let state: Lock<Value>
    init(_ value: Value) { state = Lock(value) }
    func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { state.withLock { body(&$0) } }
}

/// A one-shot gate a step waits at.
final class Gate: Sendable {
    private let state = Lock((open: false, waiters: [CheckedContinuation<Void, Never>]()))

    func wait() async {
        await withCheckedContinuation { continuation in
            let resume = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resume { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
