// swift-tools-version: 6.1
// Baton's runnable demo: the checkout spec of this repository (specs/checkout.baton.yaml), turned
// into Swift at build time by the BatonBuildTool plugin, run under load against simulated
// services. See README.md here for what to try.
import PackageDescription

let package = Package(
    name: "BatonExamples",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "checkout-demo", targets: ["CheckoutDemo"])
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
    ],
    targets: [
        // The generated code: types, one protocol per service and `CheckoutOrchestrator`, from
        // `checkout.baton.yaml` in this folder (a symbolic link to ../specs/checkout.baton.yaml, so
        // the demo always runs the example spec as it is).
        .target(
            name: "Checkout",
            dependencies: [.product(name: "BatonRuntime", package: "Baton")],
            plugins: [.plugin(name: "BatonBuildTool", package: "Baton")]
        ),
        // The demo: simulated services, a load generator, and the report.
        .executableTarget(
            name: "CheckoutDemo",
            dependencies: [
                "Checkout",
                .product(name: "BatonRuntime", package: "Baton"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "CheckoutDemoTests",
            dependencies: ["CheckoutDemo"]
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
