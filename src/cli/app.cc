#include "cli/app.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "common/log.h"

namespace renkei {

int RunCli(int argc, char** argv) {
  CLI::App app{
      "renkei: federated platform for shared use of human whole-genome data.\n"
      "Site tools: simulate test data, ingest VCF/BCF into a genotype store, and compute\n"
      "allele frequencies for any cohort or for the preset strata."};
  app.set_version_flag("--version", "renkei 0.1.0");
  app.require_subcommand(1);
  std::string log_level = "warn";
  app.add_option("--log-level", log_level, "debug, info, warn, error or off")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}));

  CommandTable commands = RegisterCommands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  // Servers log every query they answer or refuse, so their default is info.
  if (app.count("--log-level") == 0) {
    for (const char* server : {"node", "hub"}) {
      if (app.got_subcommand(server)) log_level = "info";
    }
  }
  SetLogLevel(log_level == "debug"   ? LogLevel::kDebug
              : log_level == "info"  ? LogLevel::kInfo
              : log_level == "warn"  ? LogLevel::kWarn
              : log_level == "error" ? LogLevel::kError
                                     : LogLevel::kOff);
  for (auto& [sub, run] : commands) {
    if (!sub->parsed()) continue;
    Status st = run();
    if (!st.ok()) {
      std::fprintf(stderr, "renkei %s: %s\n", sub->get_name().c_str(), st.ToString().c_str());
      return 1;
    }
    return 0;
  }
  return 2;
}

}  // namespace renkei
