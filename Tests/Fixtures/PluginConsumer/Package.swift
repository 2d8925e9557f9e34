// swift-tools-version: 6.1
// A package that uses Baton the way users do: the build-tool plugin on two targets (one spec, and
// two specs in one target) and on the test target (generated mocks and tests), and hand-written
// tests that call the generated orchestrators with fakes. `scripts/check-plugins`
// builds and tests it, and exercises the command plugin on a temporary copy.
import PackageDescription

let package = Package(
    name: "PluginConsumer",
    platforms: [.macOS(.v15)],
    dependencies: [
        // The Baton package at the root of this repository.
        .package(name: "Baton", path: "../../.."),
    ],
    targets: [
        // One spec (a link to specs/checkout.baton.yaml) and an (almost) empty Swift file. The spec is
        // neither excluded nor a resource: see Plugins/BatonBuildTool/plugin.swift.
        // The spec serves its workflow over HTTP, so the generated routes need BatonHTTP.
        .target(
            name: "Checkout",
            dependencies: [.product(name: "BatonRuntime", package: "Baton"), .product(name: "BatonHTTP", package: "Baton")],
            plugins: [.plugin(name: "BatonBuildTool", package: "Baton")]
        ),
        // Two specs in one target, plus a hand-written file next to the generated ones.
        .target(
            name: "Notifications",
            dependencies: [.product(name: "BatonRuntime", package: "Baton")],
            plugins: [.plugin(name: "BatonBuildTool", package: "Baton")]
        ),
        // Hand-written tests with in-process fakes, plus the generated mocks and tests of the three
        // specs of `Checkout` and `Notifications` (the plugin on a test target generates those).
        .testTarget(
            name: "PluginConsumerTests",
            dependencies: [
                "Checkout",
                "Notifications",
                .product(name: "BatonRuntime", package: "Baton"),
                .product(name: "BatonTesting", package: "Baton"),
            ],
            plugins: [.plugin(name: "BatonBuildTool", package: "Baton")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
