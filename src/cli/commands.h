// Subcommand registration: each Register* adds a CLI11 subcommand with its options and returns
// the function that runs it once parsed.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <utility>
#include <vector>

#include "common/status.h"

namespace renkei {

using CommandTable = std::vector<std::pair<CLI::App*, std::function<Status()>>>;

CommandTable RegisterCommands(CLI::App& app);

// node, hub and keygen (serve_commands.cc); demo (demo.cc).
void RegisterServeCommands(CLI::App& app, CommandTable* table);
void RegisterDemoCommand(CLI::App& app, CommandTable* table);
// admin (admin_commands.cc).
void RegisterAdminCommands(CLI::App& app, CommandTable* table);

}  // namespace renkei
