// swift-tools-version: 6.1
// Baton's benchmarks: `Benchmarks/run` builds this package in release mode, runs every suite and
// prints one table of ratios (see README.md). Kept apart from the root package so neither the
// benchmark harness nor its malloc interposer are ever linked into Baton or its tests.
import PackageDescription

let package = Package(
    name: "BatonBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Baton", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // The same versions as the root package: suite 1 bootstraps the telemetry backends.
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", exact: "1.7.3"),
        // Suite 10: the generated HTTP client against a bare transport, over loopback.
        .package(url: "https://github.com/apple/swift-openapi-runtime", exact: "1.13.4"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client", exact: "1.5.0"),
    ],
    targets: [
        // Suite 1: per-call overhead of the policies (ordo-one/benchmark: wall time and mallocs).
        .executableTarget(
            name: "Overhead",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "BatonRuntime", package: "Baton"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            path: "Benchmarks/Overhead",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Suite 9: a write step with the Postgres idempotency store and saga journal against the
        // in-memory ones, and the durable async queue's delivery rate (needs a database URL:
        // `Benchmarks/run` starts one with scripts/with-postgres).
        .executableTarget(
            name: "Replicas",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "BatonRuntime", package: "Baton"),
                .product(name: "BatonPostgres", package: "Baton"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/Replicas",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Suite 10: per-call overhead of the generated HTTP client (the code generated at build time
        // from Sources/PricingHTTP/pricing-http.baton.yaml) over a bare AsyncHTTPClientTransport
        // send to a Hummingbird server on loopback.
        .target(
            name: "PricingHTTP",
            dependencies: [
                .product(name: "BatonRuntime", package: "Baton"),
                .product(name: "BatonHTTP", package: "Baton"),
            ],
            plugins: [.plugin(name: "BatonBuildTool", package: "Baton")]
        ),
        .executableTarget(
            name: "HTTPClient",
            dependencies: [
                "PricingHTTP",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "BatonRuntime", package: "Baton"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
            ],
            path: "Benchmarks/HTTPClient",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The checkout example's orchestrator, generated at build time from a copy of
        // specs/checkout.baton.yaml without its admission block (derive-checkout-spec.py; `run`
        // rewrites it, so it cannot drift).
        .target(
            name: "Checkout",
            dependencies: [.product(name: "BatonRuntime", package: "Baton")],
            plugins: [.plugin(name: "BatonBuildTool", package: "Baton")]
        ),
        // Suites 2-7: generated vs hand-written, critical path, and the simulations.
        .executableTarget(
            name: "Scenarios",
            dependencies: [
                "Checkout",
                .product(name: "BatonRuntime", package: "Baton"),
                .product(name: "BatonTesting", package: "Baton"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
