// Only the header matters: the symbol comes from libFuzzer's runtime (-sanitize=fuzzer).
#include "CFuzzerDriver.h"
