// `renkei demo`: a hub and five site nodes on loopback, each with its own generated cohort,
// sized as in the real platform (TMM 7,125 at Tohoku, BBJ 6,000 at IMSUT, NCBN 9,830 over
// NCGM, NCC and NIG) times --scale. Prints example requests (and checks that each works), runs
// until interrupted, then stops every process it started.
#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/config.h"
#include "cli/commands.h"
#include "cli/demo_accounts.h"
#include "cli/demo_applications.h"
#include "cli/shutdown.h"
#include "common/log.h"
#include "crypto/openssl.h"
#include "crypto/sodium.h"
#include "identity/jwt.h"
#include "sim/simulate.h"
#include "store/format.h"
#include "store/ingest.h"
#include "store/store.h"

namespace renkei {

namespace {

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

namespace fs = std::filesystem;
using nlohmann::json;

struct DemoOptions {
  double scale = 1.0;
  int port = 8080;
  std::string dir = "renkei-demo";
  uint32_t variants = 50000;
  uint64_t seed = 1;
  bool exit_after_check = false;
  // The portal's built files; the default is the source tree's web/dist (RENKEI_WEB_DIST), used
  // only if it has been built.
  std::string web_root = RENKEI_WEB_DIST;
  bool web_root_given = false;
};

struct DemoSite {
  const char* id;
  const char* name;
  const char* biobank;
  uint32_t samples;  // at scale 1
};

// The five data sites of the AMED platform and the biobanks they hold.
constexpr DemoSite kSites[] = {
    {"tohoku", "Tohoku Medical Megabank Organization (Tohoku University)", "TMM", 7125},
    {"imsut", "Institute of Medical Science, University of Tokyo", "BBJ", 6000},
    {"ncgm", "National Center for Global Health and Medicine", "NCBN", 3277},
    {"ncc", "National Cancer Center", "NCBN", 3277},
    {"nig", "National Institute of Genetics", "NCBN", 3276},
};

struct Child {
  std::string name;
  pid_t pid = -1;
};

// A free TCP port on 127.0.0.1 (bound and released; good enough on loopback).
Result<int> FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Unavailable("cannot create a socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  if (port < 0) return Unavailable("cannot find a free port");
  return port;
}

Status WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Internal("cannot write " + path.string());
  return Status();
}

// Simulates and ingests one site's cohort unless a store made with the same settings exists.
Status PrepareSite(const DemoOptions& o, const DemoSite& site, uint32_t samples,
                   uint32_t first_serial) {
  const fs::path data = fs::path(o.dir) / "data" / site.id;
  const fs::path store = fs::path(o.dir) / "stores" / site.id;
  const json stamp = {{"samples", samples},      {"first_serial", first_serial},
                      {"variants", o.variants},  {"seed", o.seed},
                      {"biobank", site.biobank}, {"store_format", kStoreFormatVersion}};
  const fs::path stamp_path = fs::path(o.dir) / "stores" / (std::string(site.id) + ".json");
  if (fs::exists(store / "meta.json")) {
    Result<json> old = ReadJsonFile(stamp_path.string());
    if (old.ok() && *old == stamp) return Status();
  }
  std::error_code ec;
  fs::remove_all(store, ec);
  SimOptions sim;
  sim.site = site.biobank;
  sim.samples = samples;
  sim.first_serial = first_serial;
  sim.variants = o.variants;
  sim.seed = o.seed;
  sim.out_dir = data.string();
  sim.overwrite = true;
  sim.threads = 1;
  sim.show_progress = false;
  RETURN_IF_ERROR(Simulate(sim).WithContext("simulating " + std::string(site.id)));
  IngestOptions ingest;
  ingest.vcf_path = (data / "genotypes.bcf").string();
  ingest.samples_path = (data / "samples.tsv").string();
  ingest.out_dir = store.string();
  ingest.overwrite = true;
  ingest.show_progress = false;
  Result<IngestReport> report = Ingest(ingest);
  if (!report.ok()) return report.status().WithContext("ingesting " + std::string(site.id));
  fs::remove_all(data, ec);  // the store is all the node needs
  return WriteFile(stamp_path, stamp.dump(2));
}

Result<pid_t> Spawn(const std::string& exe, const std::vector<std::string>& args,
                    const fs::path& log) {
  const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) return Internal("cannot create " + log.string());
  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return Internal("fork failed");
  }
  if (pid == 0) {
    // Child: die with the demo, write to the log, run renkei.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(exe.c_str()));
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  close(log_fd);
  return pid;
}

void StopChildren(std::vector<Child>& children) {
  for (const Child& c : children) {
    if (c.pid > 0) kill(c.pid, SIGTERM);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (Child& c : children) {
    while (c.pid > 0) {
      if (waitpid(c.pid, nullptr, WNOHANG) == c.pid) {
        c.pid = -1;
      } else if (std::chrono::steady_clock::now() > deadline) {
        kill(c.pid, SIGKILL);
        waitpid(c.pid, nullptr, 0);
        c.pid = -1;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  }
}

// A variant for the examples: the first on chr1 with AF > 10% in the first store.
std::string ExampleVariant(const fs::path& store_dir) {
  Result<GenotypeStore> store = GenotypeStore::Open(store_dir.string());
  if (!store.ok() || store->num_variants() == 0) return "chr1:1:A:G";
  SiteCounts c;
  for (size_t i = 0; i < std::min<size_t>(store->num_variants(), 5000); ++i) {
    const VariantView v = store->Variant(i);
    if (v.n_alts != 1 || !store->Count(i, nullptr, &c).ok() || c.an == 0) continue;
    if (c.alts[0].ac() * 10 > c.an && c.alts[0].ac() * 10 < c.an * 9) {
      return std::string(v.contig) + ":" + std::to_string(v.pos) + ":" + std::string(v.ref) + ":" +
             std::string(v.Alt(0));
    }
  }
  const VariantView v = store->Variant(0);
  return std::string(v.contig) + ":" + std::to_string(v.pos) + ":" + std::string(v.ref);
}

struct Example {
  std::string what, method, path, key, body;
};

std::string Curl(const Example& e, int port) {
  std::string cmd = "curl -s";
  if (!e.key.empty()) cmd += " -H 'X-API-Key: " + e.key + "'";
  if (e.method == "POST") cmd += " -d '" + e.body + "'";
  if (e.path == "/v1/auth/sign-in") cmd += " -c renkei-cookies.txt";  // keeps the session
  return cmd + " http://127.0.0.1:" + std::to_string(port) + e.path;
}

Status RunDemo(const DemoOptions& o) {
  BlockShutdownSignals();
  std::atomic<bool> stop{false};
  OnShutdownSignal([&stop](int) { stop = true; });

  std::error_code ec;
  fs::create_directories(fs::path(o.dir) / "stores", ec);
  fs::create_directories(fs::path(o.dir) / "logs", ec);
  fs::create_directories(fs::path(o.dir) / "config", ec);
  if (ec) return Internal("cannot create " + o.dir + ": " + ec.message());

  // 1. Data: each site's cohort, generated once per setting and reused.
  std::printf("renkei demo: preparing five sites (scale %g, %u variants) in %s ...\n", o.scale,
              o.variants, o.dir.c_str());
  std::fflush(stdout);
  std::vector<uint32_t> sizes, serials;
  uint32_t next_serial_ncbn = 1;
  for (const DemoSite& s : kSites) {
    const auto n = static_cast<uint32_t>(std::max(20.0, std::round(s.samples * o.scale)));
    sizes.push_back(n);
    if (std::string(s.biobank) == "NCBN") {
      serials.push_back(next_serial_ncbn);
      next_serial_ncbn += n;
    } else {
      serials.push_back(1);
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<Status> prepared(std::size(kSites));
  {
    // Two sites at a time (this machine has two cores).
    std::atomic<size_t> next{0};
    auto worker = [&] {
      for (size_t i = next++; i < std::size(kSites); i = next++) {
        prepared[i] = PrepareSite(o, kSites[i], sizes[i], serials[i]);
        std::printf("  %-7s %-5s %6u samples ready\n", kSites[i].id, kSites[i].biobank, sizes[i]);
        std::fflush(stdout);
      }
    };
    std::thread a(worker), b(worker);
    a.join();
    b.join();
  }
  for (const Status& s : prepared) RETURN_IF_ERROR(s);
  std::printf("  data ready in %.1f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  if (stop) return Status();

  // 2. Keys and configuration.
  const crypto::Ed25519KeyPair keys = crypto::GenerateEd25519KeyPair();
  const std::string registered_key = "rk_" + crypto::HexEncode(crypto::RandomBytes(16));
  const std::string controlled_key = "rk_" + crypto::HexEncode(crypto::RandomBytes(16));
  // The hub signs GA4GH Passport visas with this key; every node gets its public half.
  const fs::path visa_key = fs::absolute(fs::path(o.dir) / "config" / "hub.visa.pem");
  const std::string visa_issuer = "http://127.0.0.1:" + std::to_string(o.port);
  ASSIGN_OR_RETURN(const crypto::RsaSigningKey visa_signing_key, crypto::RsaSigningKey::Generate());
  RETURN_IF_ERROR(visa_signing_key.SavePemFile(visa_key.string()));
  const json visa_jwks = {{"keys", {identity::JwkToJson(visa_signing_key.public_jwk())}}};
  std::vector<Child> children;
  json hub_sites = json::array();
  const std::string exe = fs::read_symlink("/proc/self/exe", ec).string();
  if (ec) return Internal("cannot find the renkei binary: " + ec.message());
  for (size_t i = 0; i < std::size(kSites); ++i) {
    ASSIGN_OR_RETURN(const int port, FreePort());
    const DemoSite& s = kSites[i];
    const fs::path store = fs::absolute(fs::path(o.dir) / "stores" / s.id);
    const json node = {
        {"site", s.id},
        {"name", s.name},
        {"listen", {{"host", "127.0.0.1"}, {"port", port}}},
        {"hub_public_key", crypto::Base64Encode(keys.public_key)},
        {"hub_visa",
         {{"issuer", visa_issuer},
          {"jwks", visa_jwks},
          {"revoked_file",
           fs::absolute(fs::path(o.dir) / "config" / (std::string(s.id) + ".revoked.json"))
               .string()}}},
        // Lower case: dataset ids follow the site-id syntax that applications and registrations
        // use ("tmm-tohoku").
        {"datasets",
         {{{"id", Lower(std::string(s.biobank)) + "-" + s.id}, {"store", store.string()}}}}};
    const fs::path config = fs::path(o.dir) / "config" / (std::string(s.id) + ".json");
    RETURN_IF_ERROR(WriteFile(config, node.dump(2)));
    ASSIGN_OR_RETURN(const pid_t pid,
                     Spawn(exe, {"--log-level", "info", "node", "--config", config.string()},
                           fs::path(o.dir) / "logs" / (std::string(s.id) + ".log")));
    children.push_back({std::string("node ") + s.id, pid});
    hub_sites.push_back(
        {{"id", s.id}, {"name", s.name}, {"url", "http://127.0.0.1:" + std::to_string(port)}});
  }
  json hub = {{"listen", {{"host", "127.0.0.1"}, {"port", o.port}}},
              {"secret_key", crypto::Base64Encode(keys.secret_key)},
              {"sites", hub_sites},
              {"query_log", fs::absolute(fs::path(o.dir) / "logs" / "queries.jsonl").string()},
              {"database", fs::absolute(fs::path(o.dir) / "hub.db").string()},
              {"visa_issuer", visa_issuer},
              {"visa_signing_key", visa_key.string()},
              {"api_keys",
               {{{"sha256", crypto::HexEncode(crypto::Sha256(registered_key))},
                 {"tier", "registered"},
                 {"caller", "demo-researcher"}},
                {{"sha256", crypto::HexEncode(crypto::Sha256(controlled_key))},
                 {"tier", "controlled"},
                 {"caller", "demo-approved-user"}}}}};
  const bool portal = o.web_root_given || fs::exists(fs::path(o.web_root) / "index.html", ec);
  if (portal) hub["web_root"] = fs::absolute(o.web_root).string();
  const fs::path hub_config = fs::path(o.dir) / "config" / "hub.json";
  RETURN_IF_ERROR(WriteFile(hub_config, hub.dump(2)));
  fs::permissions(hub_config, fs::perms::owner_read | fs::perms::owner_write, ec);
  const std::string demo_password = "demo-" + crypto::HexEncode(crypto::RandomBytes(6));
  ASSIGN_OR_RETURN(const std::vector<DemoAccount> accounts,
                   SeedDemoAccounts(fs::absolute(fs::path(o.dir) / "hub.db").string(),
                                    keys.secret_key, demo_password));
  // The same, for scripts and the portal's browser tests (owner-only, like the configuration).
  json account_list = json::array();
  for (const DemoAccount& a : accounts) {
    account_list.push_back({{"email", a.email},
                            {"role", a.role},
                            {"password", a.password},
                            {"totp_secret", a.totp_secret},
                            {"recovery_code", a.recovery_code}});
  }
  const fs::path accounts_file = fs::path(o.dir) / "config" / "accounts.json";
  RETURN_IF_ERROR(WriteFile(accounts_file, account_list.dump(2)));
  fs::permissions(accounts_file, fs::perms::owner_read | fs::perms::owner_write, ec);
  ASSIGN_OR_RETURN(
      const std::vector<DemoApplication> applications,
      SeedDemoApplications(fs::absolute(fs::path(o.dir) / "hub.db").string(), keys.secret_key));
  ASSIGN_OR_RETURN(const pid_t hub_pid,
                   Spawn(exe, {"--log-level", "info", "hub", "--config", hub_config.string()},
                         fs::path(o.dir) / "logs" / "hub.log"));
  children.push_back({"hub", hub_pid});

  // 3. Wait until the hub sees every site.
  httplib::Client client("127.0.0.1", o.port);
  client.set_connection_timeout(1, 0);
  client.set_read_timeout(30, 0);
  bool ready = false;
  for (int attempt = 0; attempt < 300 && !stop && !ready; ++attempt) {
    for (Child& c : children) {
      if (c.pid > 0 && waitpid(c.pid, nullptr, WNOHANG) == c.pid) {
        c.pid = -1;
        StopChildren(children);
        return Internal(c.name + " exited at start; see " + o.dir + "/logs/ (is port " +
                        std::to_string(o.port) + " free? choose another with --port)");
      }
    }
    if (auto res = client.Get("/v1/sites"); res && res->status == 200) {
      json sites = json::parse(res->body, nullptr, false);
      ready = !sites.is_discarded() && !sites.value("partial", true);
    }
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!ready) {
    StopChildren(children);
    return stop ? Status() : Unavailable("the hub did not see every site within 30 s; see logs");
  }

  // 4. Examples, each checked.
  const std::string variant = ExampleVariant(fs::path(o.dir) / "stores" / kSites[0].id);
  const std::string contig = variant.substr(0, variant.find(':'));
  const long pos = std::stol(variant.substr(contig.size() + 1));
  const std::string region =
      contig + ":" + std::to_string(std::max(1L, pos - 50000)) + "-" + std::to_string(pos + 50000);
  const std::vector<Example> examples = {
      {"Sites and their health (public)", "GET", "/v1/sites", "", ""},
      {"Catalog: samples per biobank, site and attribute value (public)", "GET", "/v1/catalog", "",
       ""},
      {"Preset strata for one variant (public)", "POST", "/v1/strata", "",
       "{\"variant\": \"" + variant + "\"}"},
      {"Frequencies of everyone for one variant (public)", "POST", "/v1/freq", "",
       "{\"variant\": \"" + variant + "\"}"},
      {"Cross-search: a cohort's size and make-up (registered)", "POST", "/v1/search",
       registered_key, "{\"cohort\": \"age=60-79 & sex=male & disease=hypertension\"}"},
      {"On-demand frequencies for a cohort (registered)", "POST", "/v1/freq", registered_key,
       "{\"cohort\": \"age=60-69 | age=70-79\", \"variant\": \"" + variant + "\"}"},
      {"A 100 kb region for a cohort, exact counts (controlled)", "POST", "/v1/freq",
       controlled_key, "{\"cohort\": \"region=tohoku\", \"region\": \"" + contig + ":1-100000\"}"},
      {"Beacon v2: service information", "GET", "/api/info", "", ""},
      {"Sign in as the researcher (the answer sets a session cookie and gives a CSRF token)",
       "POST", "/v1/auth/sign-in", "",
       "{\"email\": \"" + accounts[0].email + "\", \"password\": \"" + demo_password + "\"}"},
  };
  std::printf("\nrenkei demo is running: hub on http://127.0.0.1:%d with %zu sites.\n", o.port,
              std::size(kSites));
  if (portal) {
    std::printf("Web portal: http://127.0.0.1:%d/ (docs/portal.md)\n", o.port);
  } else {
    std::printf("Web portal: not built (bash scripts/build.sh web, then restart the demo)\n");
  }
  std::printf("API keys: registered tier %s   controlled tier %s\n", registered_key.c_str(),
              controlled_key.c_str());
  std::printf(
      "Accounts (password %s for all; the roles beyond researcher need a second "
      "factor: add the TOTP secret to an authenticator app, or use the recovery code "
      "once):\n",
      demo_password.c_str());
  for (const DemoAccount& a : accounts) {
    std::printf("  %-30s %-18s %s%s%s%s\n", a.email.c_str(), a.role.c_str(),
                a.totp_secret.empty() ? "" : "TOTP ", a.totp_secret.c_str(),
                a.recovery_code.empty() ? "" : "  recovery ", a.recovery_code.c_str());
  }
  // The submitted application's feasibility check, computed by the running hub.
  std::vector<std::string> feasibility;
  for (const DemoAccount& a : accounts) {
    if (a.role != "secretariat" || applications.size() < 2) continue;
    Result<std::vector<std::string>> lines = RecordDemoFeasibility(client, a, applications[1].id);
    if (!lines.ok()) {
      StopChildren(children);
      return lines.status();
    }
    feasibility = std::move(*lines);
  }
  std::printf(
      "Applications of researcher@demo.renkei.jp (GET /v1/applications; docs/applications.md):\n");
  for (const DemoApplication& a : applications) {
    std::printf("  %s  %-13s %s — %s\n", a.id.c_str(), a.state.c_str(), a.title.c_str(),
                a.note.c_str());
  }
  for (const std::string& line : feasibility) std::printf("      feasibility %s\n", line.c_str());
  std::printf("Logs: %s/logs/ (queries.jsonl records every query)\n", o.dir.c_str());
  std::printf(
      "Audit log: renkei admin audit list --config %s/config/hub.json   (verify: "
      "renkei admin audit verify --config …)\n\nExample requests:\n",
      o.dir.c_str());
  int failures = 0;
  for (const Example& e : examples) {
    httplib::Headers headers;
    if (!e.key.empty()) headers.emplace("X-API-Key", e.key);
    auto res = e.method == "GET" ? client.Get(e.path.c_str(), headers)
                                 : client.Post(e.path.c_str(), headers, e.body, "application/json");
    const int status = res ? res->status : 0;
    if (status != 200) ++failures;
    std::printf("\n# %s  [HTTP %d]\n%s\n", e.what.c_str(), status, Curl(e, o.port).c_str());
  }
  std::fflush(stdout);
  if (failures > 0) {
    StopChildren(children);
    return Internal(std::to_string(failures) + " example request(s) failed; see " + o.dir +
                    "/logs/");
  }
  if (o.exit_after_check) {
    StopChildren(children);
    std::printf("\nall examples answered; stopped.\n");
    return Status();
  }
  std::printf("\nPress Ctrl-C to stop the hub and the nodes.\n");
  std::fflush(stdout);

  // 5. Run until interrupted or until a process dies.
  Status result;
  while (!stop) {
    for (Child& c : children) {
      if (c.pid > 0 && waitpid(c.pid, nullptr, WNOHANG) == c.pid) {
        c.pid = -1;
        result = Internal(c.name + " stopped unexpectedly; see " + o.dir + "/logs/");
        stop = true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  StopChildren(children);
  std::printf("renkei demo: stopped the hub and %zu nodes.\n", std::size(kSites));
  return result;
}

}  // namespace

void RegisterDemoCommand(CLI::App& app, CommandTable* table) {
  auto o = std::make_shared<DemoOptions>();
  auto* sub = app.add_subcommand(
      "demo", "Run a hub and five site nodes on loopback with generated cohorts");
  sub->add_option("--scale", o->scale,
                  "Cohort sizes relative to the real platform (23,000 genomes at 1)")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 10.0));
  sub->add_option("--port", o->port, "Hub port")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  sub->add_option("--variants", o->variants, "Variant sites per cohort")
      ->capture_default_str()
      ->check(CLI::Range(100u, 10000000u));
  sub->add_option("--dir", o->dir, "Working directory (data, stores, configs, logs)")
      ->capture_default_str();
  sub->add_option("--seed", o->seed, "Random seed of the generated data")->capture_default_str();
  sub->add_option("--web-root", o->web_root, "The web portal's built files (web/dist)")
      ->capture_default_str()
      ->each([o](const std::string&) { o->web_root_given = true; });
  sub->add_flag("--exit-after-check", o->exit_after_check,
                "Stop once every example request has answered (for scripts and tests)");
  table->push_back({sub, [o]() { return RunDemo(*o); }});
}

}  // namespace renkei
