// swift-tools-version: 6.1
// Baton's runnable demo: the checkout spec of this repository (specs/checkout.baton.yaml), turned
// into Swift at build time by the BatonBuildTool plugin, run under load against simulated
// services. See README.md here for what to try.
import PackageDescription

let package = Package(
    name: "BatonExamples",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "checkout-demo", targets: ["CheckoutDemo"]),
        .executable(name: "checkout-server", targets: ["CheckoutServer"]),
    ],
    dependencies: [
        // Baton itself, from this repository (a real project uses its URL and a version).
        .package(name: "Baton", path: ".."),
        // The same versions Baton pins.
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        // The demo's metrics in Prometheus's text format (`--metrics-file`).
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        // checkout-server: serving (Hummingbird), its downstream calls (AsyncHTTPClient through the
        // generated clients' swift-openapi-runtime transport) and its lifecycle.
        .package(url: "https://github.com/apple/swift-openapi-runtime", exact: "1.13.4"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client", exact: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
    ],
    targets: [
        // The generated code: types, one protocol per service and `CheckoutOrchestrator`, from
        // `checkout.baton.yaml` in this folder (a symbolic link to ../specs/checkout.baton.yaml, so
        // the demo always runs the example spec as it is).
        .target(
            name: "Checkout",
            // BatonHTTP: the spec serves `checkout` over HTTP, so checkout.Server.swift is generated.
            dependencies: [
                .product(name: "BatonRuntime", package: "Baton"),
                .product(name: "BatonHTTP", package: "Baton"),
            ],
            plugins: [.plugin(name: "BatonBuildTool", package: "Baton")]
        ),
        // What the demo and the server share: the simulated services (latencies, `--fail` and
        // `--slow` faults), the flag values, number formatting and the Prometheus registry.
        .target(
            name: "CheckoutSimulation",
            dependencies: [
                "Checkout",
                .product(name: "BatonRuntime", package: "Baton"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // The demo: a load generator, and the report.
        .executableTarget(
            name: "CheckoutDemo",
            dependencies: [
                "Checkout",
                "CheckoutSimulation",
                .product(name: "BatonRuntime", package: "Baton"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "CheckoutDemoTests",
            dependencies: ["CheckoutDemo", "CheckoutSimulation"]
        ),
        // The checkout spec with every service bound to HTTP (derive-checkout-http-spec.py writes
        // checkout.baton.yaml here): the orchestrator checkout-server serves, calling its services
        // through the generated HTTP clients.
        .target(
            name: "CheckoutHTTP",
            dependencies: [
                .product(name: "BatonRuntime", package: "Baton"),
                .product(name: "BatonHTTP", package: "Baton"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            plugins: [.plugin(name: "BatonBuildTool", package: "Baton")]
        ),
        // checkout-server: serves POST /v1/checkout and /metrics on Hummingbird; every downstream
        // service is a Hummingbird server of its own on loopback, running the simulated services.
        .executableTarget(
            name: "CheckoutServer",
            dependencies: [
                "Checkout",
                "CheckoutHTTP",
                "CheckoutSimulation",
                .product(name: "BatonRuntime", package: "Baton"),
                .product(name: "BatonHTTP", package: "Baton"),
                .product(name: "BatonHummingbird", package: "Baton"),
                .product(name: "BatonPostgres", package: "Baton"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "CheckoutServerTests",
            dependencies: [
                "CheckoutServer",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // `baton simulate` against the generated orchestrator: the same profile, run through the
        // code the plugin generated and through the simulator's interpreter, gives the same figures.
        .testTarget(
            name: "SimulateAgreementTests",
            dependencies: [
                "Checkout",
                .product(name: "BatonRuntime", package: "Baton"),
                .product(name: "BatonSimulate", package: "Baton"),
                .product(name: "BatonSpec", package: "Baton"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
