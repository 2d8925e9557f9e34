import AsyncHTTPClient
import CheckoutHTTP
import ServiceLifecycle

// The parts of checkout-server that have something to do at shutdown, as swift-service-lifecycle
// services. `CheckoutServerApp.makeServiceGroup` orders them so that the group's graceful shutdown
// (last service first) drains in the right order: the checkout server stops taking requests and
// finishes those in flight; then the orchestrator's `mode: async` queue drains (the receipts
// still go out over HTTP); then the HTTP client closes its connections; then the downstream
// servers stop.

/// Waits for graceful shutdown, then drains the orchestrator's async queue.
struct OrchestratorService: Service {
    let orchestrator: CheckoutOrchestrator

    func run() async throws {
        // Cancelled instead of shut down gracefully: drain all the same.
        try? await gracefulShutdown()
        await orchestrator.shutdown()
    }
}

/// Owns the AsyncHTTPClient of the generated clients: shuts it down after everything that calls
/// through it.
struct HTTPClientService: Service {
    let client: HTTPClient

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
