import CFuzzerDriver
import Foundation

// libFuzzer parses its own options (-max_len, -runs, corpus folders…) from the command line.
// SwiftPM renames an executable's `main`, so instead of letting libFuzzer supply `main` (which
// needs `-parse-as-library` and a target without one) this program calls its driver directly.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
    fuzzOneInput(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
exit(status)
