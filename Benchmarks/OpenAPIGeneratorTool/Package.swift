// swift-tools-version: 6.1
// Only builds swift-openapi-generator's command-line tool (release) for suite 11 of
// `Benchmarks/run --openapi-generator` (openapi-comparison.py), which times it against
// `baton generate` on the same document. Not part of CI.
import PackageDescription

let package = Package(
    name: "OpenAPIGeneratorTool",
    dependencies: [
        .package(url: "https://github.com/apple/swift-openapi-generator", exact: "1.14.3"),
    ],
    targets: [
        // SwiftPM builds a dependency's executable only for a root package that names it; this
        // empty target is what gives the package a product graph.
        .target(name: "Placeholder", path: "Placeholder"),
    ]
)
