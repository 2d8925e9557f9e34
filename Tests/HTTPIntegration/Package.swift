// swift-tools-version: 6.1
// Generated HTTP clients against a real server, and generated workflow routes served by one: the code `baton generate` makes of
// Tests/Fixtures/HTTP/shop-http.baton.yaml (committed in Generated/, kept current by the root
// package's HTTPIntegrationCodeTests), driven through AsyncHTTPClient against a Hummingbird server
// on loopback. A package of its own so that Baton's own build and tests never build Hummingbird or
// AsyncHTTPClient; `.ci/run` runs it with `swift test --package-path Tests/HTTPIntegration`.
import PackageDescription

let package = Package(
    name: "BatonHTTPIntegration",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Baton", path: "../.."),
        .package(url: "https://github.com/apple/swift-openapi-runtime", exact: "1.13.4"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client", exact: "1.5.0"),
    ],
    targets: [
        .testTarget(
            name: "BatonHTTPIntegrationTests",
            dependencies: [
                .product(name: "BatonHTTP", package: "Baton"),
                .product(name: "BatonRuntime", package: "Baton"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
            ]
        ),
        // Workflows served over HTTP (spec-v1 §13): the generated routes of
        // Tests/Fixtures/HTTP/serve-http mounted by BatonHummingbird, called over loopback.
        .testTarget(
            name: "BatonServingIntegrationTests",
            dependencies: [
                .product(name: "BatonHTTP", package: "Baton"),
                .product(name: "BatonHummingbird", package: "Baton"),
                .product(name: "BatonRuntime", package: "Baton"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
