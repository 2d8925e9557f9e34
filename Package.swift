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
        .library(name: "BatonHummingbird", targets: ["BatonHummingbird"]),
        .library(name: "BatonSimulate", targets: ["BatonSimulate"]),
        .library(name: "BatonPostgres", targets: ["BatonPostgres"]),
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
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
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
        // Resolved model -> the runtime objects its resilience settings become (which pipelines,
        // which shared breakers, budgets, routers): rendered as Swift by the generator, built
        // directly by the simulator, so the two cannot drift apart.
        .target(
            name: "BatonLowering",
            dependencies: ["BatonNaming", "BatonSpec"]
        ),
        // Resolved model -> Swift files, through the templates in `templates/` (embedded copies).
        .target(
            name: "BatonGenerator",
            dependencies: [
                "BatonNaming",
                "BatonSpec",
                "BatonLowering",
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
        // Mounts generated workflow routes on a Hummingbird 2 router (spec-v1 §13). The only target
        // that depends on Hummingbird: users of the other products never build it.
        .target(
            name: "BatonHummingbird",
            dependencies: [
                "BatonHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        // Shared state for several replicas on PostgreSQL: idempotency, the saga journal and its
        // recovery service, the durable async queue, cache invalidation (LISTEN/NOTIFY).
        .target(
            name: "BatonPostgres",
            dependencies: [
                "BatonRuntime",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The migration as a plain script, for migration tools (a test keeps it in step).
            exclude: ["schema.sql"]
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
        // `baton simulate` (spec-v1 §16): runs a workflow of a resolved model, built from the same
        // lowering and the same runtime policies as generated code, against simulated services on
        // a virtual clock.
        .target(
            name: "BatonSimulate",
            dependencies: ["BatonSpec", "BatonLowering", "BatonRuntime", "BatonTesting"]
        ),
        .executableTarget(
            name: "baton",
            dependencies: [
                "BatonSpec",
                "BatonGenerator",
                "BatonDiff",
                "BatonSimulate",
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
        // The child process of the Postgres crash tests (test-only; not a product).
        .executableTarget(
            name: "BatonPostgresTestChild",
            dependencies: [
                "BatonPostgres",
                "BatonRuntime",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/BatonPostgresTestChild"
        ),
        .testTarget(
            name: "BatonPostgresTests",
            dependencies: [
                "BatonPostgres",
                "BatonRuntime",
                "BatonTesting",
                "BatonPostgresTestChild",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
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
            name: "BatonSimulateTests",
            dependencies: ["BatonSimulate", "BatonSpec", "BatonLowering", "BatonRuntime"]
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
