#ifndef C_FUZZER_DRIVER_H
#define C_FUZZER_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's documented library entry point ("Using libFuzzer as a library"): runs the fuzzing
/// loop with the command line and the callback given. Declared here because SwiftPM renames an
/// executable's `main` and would otherwise clash with the `main` libFuzzer supplies.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
