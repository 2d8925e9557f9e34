// swift-tools-version: 6.1
// A libFuzzer target over spec text: loader + checker, and the generator for specs that check
// clean. Built and run by `scripts/fuzz`, which passes `-sanitize=fuzzer,address`.
import PackageDescription

let package = Package(
    name: "BatonFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Baton", path: "../..")],
    targets: [
        // Declares libFuzzer's `LLVMFuzzerRunDriver`; the symbol itself comes with -sanitize=fuzzer.
        .target(name: "CFuzzerDriver"),
        .executableTarget(
            name: "BatonFuzz",
            dependencies: [
                "CFuzzerDriver",
                .product(name: "BatonSpec", package: "Baton"),
                .product(name: "BatonGenerator", package: "Baton"),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
