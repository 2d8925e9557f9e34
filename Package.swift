// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Baton",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "baton", targets: ["baton"]),
        .library(name: "BatonSpec", targets: ["BatonSpec"]),
        .library(name: "BatonGenerator", targets: ["BatonGenerator"]),
        .library(name: "BatonRuntime", targets: ["BatonRuntime"]),
        .library(name: "BatonTesting", targets: ["BatonTesting"]),
        .library(name: "BatonHTTP", targets: ["BatonHTTP"]),
        .plugin(name: "BatonBuildTool", targets: ["BatonBuildTool"]),
        .plugin(name: "BatonCommand", targets: ["BatonCommand"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", exact: "1.7.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", exact: "1.13.4"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
        // OpenAPI 3.0/3.1 documents (spec-v1 §12), as swift-openapi-generator reads them; without
        // the ExternalLoading trait, which Baton does not use.
        .package(url: "https://github.com/mattpolzin/OpenAPIKit", exact: "6.4.0", traits: []),
    ],
    targets: [
        // Every name generated code declares or relies on, and the generated files' names: the
        // generator emits them, the checker reserves them, the plugins declare the files.
        .target(name: "BatonNaming"),
        // Spec text -> located syntax tree -> checked, resolved model + diagnostics.
        .target(
            name: "BatonSpec",
            dependencies: [
                "BatonNaming",
                .product(name: "Yams", package: "Yams"),
                .product(name: "OpenAPIKit", package: "OpenAPIKit"),
                .product(name: "OpenAPIKit30", package: "OpenAPIKit"),
                .product(name: "OpenAPIKitCompat", package: "OpenAPIKit"),
            ]
        ),
        // Resolved model -> Swift files, through the templates in `templates/` (embedded copies).
        .target(
            name: "BatonGenerator",
            dependencies: [
                "BatonNaming",
                "BatonSpec",
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        // What generated code links: deadlines, policies, the graph executor, sagas, telemetry.
        .target(
            name: "BatonRuntime",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // What generated HTTP clients link: requests over a swift-openapi-runtime transport,
        // responses to outputs or classified errors (spec-v1 §11).
        .target(
            name: "BatonHTTP",
            dependencies: [
                "BatonRuntime",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // What users' tests link: the manual clock, scripted mocks, fault injection.
        .target(
            name: "BatonTesting",
            dependencies: ["BatonRuntime"]
        ),
        // Two resolved models -> the changes between them, with stable ids and severities (spec-v1 §15).
        .target(
            name: "BatonDiff",
            dependencies: ["BatonNaming", "BatonSpec"]
        ),
        .executableTarget(
            name: "baton",
            dependencies: [
                "BatonSpec",
                "BatonGenerator",
                "BatonDiff",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "BatonSpecTests",
            dependencies: ["BatonSpec", "BatonNaming"]
        ),
        .testTarget(
            name: "BatonRuntimeTests",
            dependencies: [
                "BatonRuntime",
                "BatonTesting",
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ]
        ),
        .testTarget(
            name: "BatonHTTPTests",
            dependencies: [
                "BatonHTTP",
                "BatonRuntime",
                "BatonTesting",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ]
        ),
        .testTarget(
            name: "BatonGeneratorTests",
            dependencies: ["BatonGenerator", "BatonSpec", "BatonNaming"]
        ),
        .testTarget(
            name: "BatonCLITests",
            dependencies: [
                "baton",
                "BatonSpec",
                "BatonHTTP",
                "BatonDiff",
            ]
        ),
        .testTarget(
            name: "BatonDiffTests",
            dependencies: ["BatonDiff", "BatonSpec"]
        ),
        // Generates code from every spec in a target at build time (into the plugin work directory).
        .plugin(name: "BatonBuildTool", capability: .buildTool(), dependencies: ["baton"]),
        // `swift package baton generate|lint …`: writes generated code into the package.
        .plugin(
            name: "BatonCommand",
            capability: .command(
                intent: .custom(verb: "baton", description: "Generate Swift code from Baton specs, lint them, or compare two versions."),
                permissions: [
                    .writeToPackageDirectory(reason: "To write the generated Swift files into the targets' Generated folders.")
                ]
            ),
            dependencies: ["baton"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
