// Suite 10: what the generated HTTP client adds to a call over loopback HTTP.
//
// One Hummingbird server on 127.0.0.1 (a free port, in this process) answers `POST /v1/quotes`
// with a fixed JSON quote. Three ways of making the same call through one
// `AsyncHTTPClientTransport`, one call per iteration, wall time and mallocs per call (the
// server's work and allocations are in every row alike):
//
// - `bare transport.send`: the request head and the encoded body made once, `send`, the status
//   checked and the body collected. The baseline.
// - `hand-written client`: what one writes by hand: JSONEncoder for the input, the correlation
//   header, status check, JSONDecoder for the output.
// - `generated PricingHTTPClient`: `quote(_:context:)` of the code `baton generate` makes of
//   `Sources/PricingHTTP/pricing-http.baton.yaml`, with a deadline in the context (so it sends
//   `X-Request-Timeout-Ms`, as every call inside a workflow does) and the server as the attempt's
//   endpoint.
//
// The same three again through an in-memory transport that answers at once with the same quote:
// what the clients themselves cost per call, without the network's noise (tens of µs from one
// sample to the next on loopback).
//
// `Benchmarks/run` turns them into ratios against the bare send over the same transport.
import BatonRuntime
import Benchmark
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime
import PricingHTTP
import Synchronization

let quoteJSON = #"{"sku":"sku-1","quantity":3,"total_cents":3600,"currency":"EUR"}"#

/// The loopback server: started before each loopback benchmark (its setup) and stopped after it.
final class QuoteServer: Sendable {
    private struct Running {
        var port: Int
        var task: Task<Void, any Error>
    }

    private let state = Mutex<Running?>(nil)

    var baseURL: URL {
        let port = state.withLock { $0?.port } ?? 0
        return URL(string: "http://127.0.0.1:\(port)")!
    }

    func start() async throws {
        guard state.withLock({ $0 == nil }) else { return }
        let router = Router()
        let answer = ByteBuffer(string: quoteJSON)
        router.post("/v1/quotes") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 16)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: answer))
        }
        let (ports, port) = AsyncStream<Int>.makeStream()
        // Stopping the server by cancellation is logged as errors; they mean nothing here.
        var logger = Logger(label: "bench-server")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.yield(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next(), bound != 0 else {
            task.cancel()
            throw CancellationError()
        }
        state.withLock { $0 = Running(port: bound, task: task) }
    }

    func stop() {
        state.withLock { running in
            running?.task.cancel()
            running = nil
        }
    }
}

let server = QuoteServer()
let loopback = AsyncHTTPClientTransport()

/// Answers every request at once with the quote, after reading the body: no I/O.
struct InMemoryTransport: ClientTransport {
    let answer = Array(quoteJSON.utf8)

    func send(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String) async throws -> (HTTPResponse, HTTPBody?) {
        if let body { _ = try await [UInt8](collecting: body, upTo: 1 << 16) }
        return (HTTPResponse(status: .ok, headerFields: [.contentType: "application/json"]), HTTPBody(answer))
    }
}

struct UnexpectedStatus: Error {
    var status: HTTPResponse.Status
}

/// The bare call: everything made once outside the loop, as cheap as a call through the transport
/// can be.
func bareSend(_ transport: any ClientTransport, head: HTTPRequest, body: [UInt8], baseURL: URL) async throws -> Int {
    let (response, responseBody) = try await transport.send(head, body: HTTPBody(body), baseURL: baseURL, operationID: "pricing.quote")
    guard response.status == .ok, let responseBody else { throw UnexpectedStatus(status: response.status) }
    return try await Data(collecting: responseBody, upTo: 1 << 20).count
}

/// The client one would write by hand for the same operation.
func handWrittenQuote(_ transport: any ClientTransport, _ input: PricingQuoteInput, correlationID: String, baseURL: URL) async throws -> Quote {
    var fields = HTTPFields()
    fields[.contentType] = "application/json"
    fields[.accept] = "application/json"
    fields[HTTPField.Name("X-Correlation-ID")!] = correlationID
    let head = HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/v1/quotes", headerFields: fields)
    let body = try JSONEncoder().encode(input)
    let (response, responseBody) = try await transport.send(head, body: HTTPBody(body), baseURL: baseURL, operationID: "pricing.quote")
    guard response.status == .ok, let responseBody else { throw UnexpectedStatus(status: response.status) }
    let bytes = try await Data(collecting: responseBody, upTo: 1 << 20)
    return try JSONDecoder().decode(Quote.self, from: bytes)
}

var configuration: Benchmark.Configuration { Benchmark.Configuration(
    metrics: [.wallClock, .mallocCountTotal],
    timeUnits: .microseconds,
    warmupIterations: 200,
    scalingFactor: .one,
    maxDuration: .seconds(5),
    maxIterations: 20_000
) }

let input = PricingQuoteInput(sku: "sku-1", quantity: 3, currency: "EUR")

let benchmarks: @Sendable () -> Void = {
    let start: Benchmark.BenchmarkSetupHook = { try await server.start() }
    let stop: Benchmark.BenchmarkTeardownHook = { server.stop() }
    let inMemory = InMemoryTransport()

    for (suffix, transport, setup, teardown) in [
        ("", loopback as any ClientTransport, Optional(start), Optional(stop)),
        (", in-memory transport", inMemory, nil, nil),
    ] {
        Benchmark("bare transport.send" + suffix, configuration: configuration, closure: { benchmark in
            let baseURL = server.baseURL
            var fields = HTTPFields()
            fields[.contentType] = "application/json"
            let head = HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/v1/quotes", headerFields: fields)
            let body = Array(try JSONEncoder().encode(input))
            for _ in benchmark.scaledIterations {
                blackHole(try await bareSend(transport, head: head, body: body, baseURL: baseURL))
            }
        }, setup: setup, teardown: teardown)

        Benchmark("hand-written client (JSONEncoder/JSONDecoder)" + suffix, configuration: configuration, closure: { benchmark in
            let baseURL = server.baseURL
            for _ in benchmark.scaledIterations {
                blackHole(try await handWrittenQuote(transport, input, correlationID: "bench-correlation", baseURL: baseURL))
            }
        }, setup: setup, teardown: teardown)

        Benchmark("generated PricingHTTPClient" + suffix, configuration: configuration, closure: { benchmark in
            let client = PricingHTTPClient(transport: transport)
            let clock = AnyClock.continuous
            let endpoint = Endpoint(url: server.baseURL.absoluteString)
            for _ in benchmark.scaledIterations {
                let context = CallContext(
                    workflow: "price", step: "quote", deadline: .after(.seconds(2), clock: clock),
                    endpoint: endpoint, correlationID: "bench-correlation"
                )
                blackHole(try await client.quote(input, context: context))
            }
        }, setup: setup, teardown: teardown)
    }
}
