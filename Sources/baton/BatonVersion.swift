/// The version of the baton tool, reported by `--version` and in SARIF output.
enum BatonVersion {
    static let current = "0.1.0"
}
