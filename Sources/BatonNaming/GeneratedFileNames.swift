// The names of the files `baton generate` writes. Dependency-free on purpose: the SwiftPM
// plugins compile this very file (Plugins/PluginsShared/GeneratedFileNames.swift is a symlink to
// it), because the build plugin must declare its outputs before the tool runs, and plugins cannot
// depend on library targets.

/// Which files are specs and which Swift files `baton generate` writes for each.
public enum GeneratedFileNames {
    /// The endings of spec files (spec-v1 §1).
    public static let specExtensions = [".baton.yaml", ".baton.yml"]

    /// The endings of the files written into `--output`, in the order they are generated.
    public static let sourceSuffixes = [".Types.swift", ".Services.swift", ".Orchestrator.swift", ".HTTP.swift", ".Server.swift"]
    /// The endings of the files written into `--tests-output`.
    public static let testSuffixes = [".Mocks.swift", ".Tests.swift"]

    /// Whether a file name is a spec's (`checkout.baton.yaml`, not `.baton.yaml`).
    public static func isSpec(_ fileName: String) -> Bool {
        specExtensions.contains { fileName.hasSuffix($0) && fileName.count > $0.count }
    }

    /// `checkout.baton.yaml` → `checkout`; anything but letters, digits, `-` and `_` becomes `_`,
    /// so a file name can never address another directory.
    public static func stem(of specFileName: String) -> String {
        var stem = Substring(specFileName.split(separator: "/").last ?? "")
        for suffix in [".baton.yaml", ".baton.yml", ".yaml", ".yml"] where stem.hasSuffix(suffix) {
            stem = stem.dropLast(suffix.count)
            break
        }
        let safe = String(stem.unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "-", "_": Character(scalar)
            default: "_"
            }
        })
        return safe.isEmpty ? "spec" : safe
    }

    /// `checkout.Types.swift`, `checkout.Services.swift`, `checkout.Orchestrator.swift`,
    /// `checkout.HTTP.swift` (empty of code when no service has `http` bindings),
    /// `checkout.Server.swift` (empty of code when no workflow has one).
    public static func sources(forSpec specFileName: String) -> [String] {
        let stem = stem(of: specFileName)
        return sourceSuffixes.map { stem + $0 }
    }

    /// `checkout.Mocks.swift`, `checkout.Tests.swift`.
    public static func tests(forSpec specFileName: String) -> [String] {
        let stem = stem(of: specFileName)
        return testSuffixes.map { stem + $0 }
    }
}
