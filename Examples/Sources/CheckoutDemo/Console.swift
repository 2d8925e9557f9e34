import Foundation
import Synchronization

/// Standard output, shared by the progress line and the event lines.
///
/// On a terminal the progress line is redrawn in place (`\r`) and event lines are printed above
/// it; otherwise (CI logs, `| tee`) progress comes as ordinary lines.
final class Console: Sendable {
    let isTerminal: Bool
    /// The last progress line: on a terminal, redrawn after a line of its own; otherwise not
    /// printed twice in a row.
    private let progressLine = Mutex<String?>(nil)

    init() {
        isTerminal = isatty(STDOUT_FILENO) == 1
    }

    /// Prints a line of its own (above the progress line, on a terminal).
    func line(_ text: String) {
        progressLine.withLock { progress in
            if isTerminal, let progress {
                write("\r\u{1B}[2K" + text + "\n" + progress)
            } else {
                write(text + "\n")
            }
        }
    }

    /// Shows the progress line: in place on a terminal, as a new line otherwise.
    func progress(_ line: String) {
        progressLine.withLock { progress in
            if isTerminal {
                write("\r\u{1B}[2K" + line)
            } else if line != progress {
                write(line + "\n")
            }
            progress = line
        }
    }

    /// Leaves the last progress line on screen and moves below it.
    func endProgress() {
        progressLine.withLock { progress in
            if isTerminal && progress != nil { write("\n") }
            progress = nil
        }
    }

    private func write(_ text: String) {
        print(text, terminator: "")
        fflush(nil)
    }
}
