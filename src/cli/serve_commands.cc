// `renkei node`, `renkei hub` and `renkei keygen`.
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "api/config.h"
#include "api/hub_server.h"
#include "api/node_server.h"
#include "cli/commands.h"
#include "cli/shutdown.h"
#include "common/log.h"
#include "crypto/sodium.h"

namespace renkei {

namespace {

struct ServeOptions {
  std::string config;
  int port = -1;  // -1 = as configured
};

// Runs a server until SIGINT/SIGTERM.
template <typename Server>
Status ServeUntilSignal(Server& server, const std::string& what) {
  ASSIGN_OR_RETURN(const int port, server.Bind());
  OnShutdownSignal([&server, what](int) {
    LOG_INFO("{}: stopping", what);
    server.Stop();
  });
  LOG_INFO("{}: listening on port {}", what, port);
  std::printf("%s listening on port %d\n", what.c_str(), port);
  std::fflush(stdout);
  server.Serve();
  return Status();
}

std::pair<CLI::App*, std::function<Status()>> NodeCmd(CLI::App& app) {
  auto o = std::make_shared<ServeOptions>();
  auto* sub = app.add_subcommand("node", "Run a site node: serve its genotype stores to the hub");
  sub->add_option("--config", o->config, "Node configuration (JSON; see docs/federation.md)")
      ->required();
  sub->add_option("--port", o->port, "Listen on this port instead of the configured one")
      ->check(CLI::Range(0, 65535));
  return {sub, [o]() -> Status {
            BlockShutdownSignals();
            ASSIGN_OR_RETURN(const nlohmann::json doc, ReadJsonFile(o->config));
            Result<NodeConfig> config = ParseNodeConfig(doc);
            if (!config.ok()) return config.status().WithContext(o->config);
            if (o->port >= 0) config->listen.port = o->port;
            ASSIGN_OR_RETURN(std::unique_ptr<NodeServer> node, NodeServer::Create(*config));
            return ServeUntilSignal(*node, "node " + config->site);
          }};
}

std::pair<CLI::App*, std::function<Status()>> HubCmd(CLI::App& app) {
  auto o = std::make_shared<ServeOptions>();
  auto* sub = app.add_subcommand("hub", "Run the hub: federated search, frequencies, Beacon v2");
  sub->add_option("--config", o->config, "Hub configuration (JSON; see docs/federation.md)")
      ->required();
  sub->add_option("--port", o->port, "Listen on this port instead of the configured one")
      ->check(CLI::Range(0, 65535));
  return {sub, [o]() -> Status {
            BlockShutdownSignals();
            ASSIGN_OR_RETURN(const nlohmann::json doc, ReadJsonFile(o->config));
            Result<HubConfig> config = ParseHubConfig(doc);
            if (!config.ok()) return config.status().WithContext(o->config);
            if (o->port >= 0) config->listen.port = o->port;
            ASSIGN_OR_RETURN(std::unique_ptr<HubServer> hub, HubServer::Create(*config));
            return ServeUntilSignal(*hub, "hub");
          }};
}

std::pair<CLI::App*, std::function<Status()>> KeygenCmd(CLI::App& app) {
  auto out = std::make_shared<std::string>();
  auto* sub = app.add_subcommand(
      "keygen", "Make the hub's signing key pair: the secret for hub.json, the public for nodes");
  sub->add_option("--out", *out, "File for the secret key (base64; created with mode 600)")
      ->required();
  return {sub, [out]() -> Status {
            const crypto::Ed25519KeyPair keys = crypto::GenerateEd25519KeyPair();
            std::FILE* f = std::fopen(out->c_str(), "wx");
            if (!f) return AlreadyExists(*out + " exists or cannot be created; choose another");
            const std::string secret = crypto::Base64Encode(keys.secret_key) + "\n";
            const bool ok = std::fwrite(secret.data(), 1, secret.size(), f) == secret.size();
            if (std::fclose(f) != 0 || !ok) return Internal("cannot write " + *out);
            std::printf("secret key written to %s (put it in hub.json as \"secret_key\")\n",
                        out->c_str());
            std::printf("public key for every node's \"hub_public_key\": %s\n",
                        crypto::Base64Encode(keys.public_key).c_str());
            return Status();
          }};
}

}  // namespace

void RegisterServeCommands(CLI::App& app, CommandTable* table) {
  table->push_back(NodeCmd(app));
  table->push_back(HubCmd(app));
  table->push_back(KeygenCmd(app));
}

}  // namespace renkei
