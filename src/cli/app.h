// The renkei command line: parsing and wiring only.
#pragma once

namespace renkei {

// Parses argv, runs the subcommand and returns the process exit code
// (0 success, 1 error reported on stderr, 2 usage error).
int RunCli(int argc, char** argv);

}  // namespace renkei
