// A small federation for end-to-end tests: three simulated sites sharing variant sites (one
// biobank each), their genotype stores, an Ed25519 key pair, and in-process site nodes and hubs
// (api/node_server.h, api/hub_server.h) on loopback ports, plus the independent truth the tests
// compare against (awk over the samples files, bcftools over the BCFs).
//
// The data are generated once per test suite (FederationData::Build); servers are cheap and each
// test may start its own Federation when it needs fresh state (the nodes remember the cohorts
// answered at the registered tier, and a hub appends to its query log).
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api/config.h"
#include "api/hub_server.h"
#include "api/node_server.h"
#include "common/log.h"
#include "crypto/openssl.h"
#include "crypto/sodium.h"
#include "identity/jwt.h"
#include "sim/simulate.h"
#include "store/ingest.h"
#include "test_util.h"

namespace renkei::testing {

using nlohmann::json;

// One simulated site: its node's id, the biobank it holds and where its files are.
struct FedSite {
  std::string id;       // node site id, e.g. "tohoku"
  std::string name;     // human-readable
  std::string biobank;  // "TMM"
  uint32_t samples = 0;
  uint32_t first_serial = 1;
  std::string bcf;  // simulated genotypes (kept for bcftools)
  std::string samples_tsv;
  std::string store;  // genotype store directory
};

inline constexpr uint32_t kFedVariants = 300;
inline constexpr uint64_t kFedSeed = 5;
inline constexpr char kRegisteredKey[] = "fed-test-registered-key";
inline constexpr char kControlledKey[] = "fed-test-controlled-key";
inline constexpr char kRegisteredCaller[] = "fed-researcher";
inline constexpr char kControlledCaller[] = "fed-approved-user";

// The generated data every Federation of a suite serves. Build() runs the simulator and ingest
// in-process (about a second); the temporary directory is removed with the object.
class FederationData {
 public:
  // Simulates TMM 150 (tohoku), BBJ 120 (imsut) and NCBN 100 (ncgm) samples over kFedVariants
  // shared sites, ingests each and merges the three BCFs into merged.bcf for bcftools.
  // Fails the current test (fatal) on any error; check HasFatalFailure() after.
  static std::unique_ptr<FederationData> Build() {
    std::unique_ptr<FederationData> d(new FederationData());
    d->sites_ = {{"tohoku", "Tohoku Medical Megabank", "TMM", 150, 1, "", "", ""},
                 {"imsut", "IMSUT", "BBJ", 120, 1, "", "", ""},
                 {"ncgm", "NCGM", "NCBN", 100, 1, "", "", ""}};
    for (FedSite& s : d->sites_) {
      SimOptions sim;
      sim.site = s.biobank;
      sim.samples = s.samples;
      sim.first_serial = s.first_serial;
      sim.variants = kFedVariants;
      sim.seed = kFedSeed;
      sim.out_dir = d->dir_ / ("sim-" + s.id);
      sim.threads = 1;
      sim.show_progress = false;
      const Status simulated = Simulate(sim);
      EXPECT_TRUE(simulated.ok()) << s.id << ": " << simulated.ToString();
      if (!simulated.ok()) return nullptr;
      s.bcf = sim.out_dir + "/genotypes.bcf";
      s.samples_tsv = sim.out_dir + "/samples.tsv";
      s.store = d->dir_ / ("store-" + s.id);
      IngestOptions ingest;
      ingest.vcf_path = s.bcf;
      ingest.samples_path = s.samples_tsv;
      ingest.out_dir = s.store;
      ingest.show_progress = false;
      const Result<IngestReport> report = Ingest(ingest);
      EXPECT_TRUE(report.ok()) << s.id << ": " << report.status().ToString();
      if (!report.ok()) return nullptr;
    }
    // The sites share every record (same seed and variant count), so -m none lines them up.
    const CommandResult merged =
        Shell("bcftools merge -m none -Ob -o " + d->merged_bcf() + " " + d->sites_[0].bcf + " " +
                  d->sites_[1].bcf + " " + d->sites_[2].bcf,
              true);
    EXPECT_EQ(merged.exit_code, 0) << merged.output;
    if (merged.exit_code != 0) return nullptr;
    d->keys_ = crypto::GenerateEd25519KeyPair();
    // The hub's GA4GH Passport visa key: the nodes verify controlled-tier requests with it.
    Result<crypto::RsaSigningKey> visa_key = crypto::RsaSigningKey::Generate();
    EXPECT_TRUE(visa_key.ok());
    if (!visa_key.ok() || !visa_key->SavePemFile(d->visa_key_path()).ok()) return nullptr;
    d->visa_jwks_ = {{"keys", {identity::JwkToJson(visa_key->public_jwk())}}};
    return d;
  }

  const TempDir& dir() const { return dir_; }
  const std::vector<FedSite>& sites() const { return sites_; }
  const FedSite& site(const std::string& id) const {
    for (const FedSite& s : sites_) {
      if (s.id == id) return s;
    }
    ADD_FAILURE() << "no site " << id;
    return sites_[0];
  }
  std::string merged_bcf() const { return dir_ / "merged.bcf"; }
  const crypto::Ed25519KeyPair& keys() const { return keys_; }
  std::string visa_key_path() const { return dir_ / "hub.visa.pem"; }
  static constexpr char kVisaIssuer[] = "http://hub.renkei.test";

  // The node configuration of a site (port 0 unless given).
  NodeConfig NodeConfigFor(const FedSite& s, int port = 0) const {
    NodeConfig c;
    c.site = s.id;
    c.name = s.name;
    c.listen = {"127.0.0.1", port};
    c.hub_public_key = keys_.public_key;
    c.visa = NodeVisaConfig{kVisaIssuer, visa_jwks_, ""};
    c.datasets = {{s.biobank + "-" + s.id, s.store}};
    c.threads = 4;
    return c;
  }

 private:
  FederationData() = default;
  TempDir dir_;
  std::vector<FedSite> sites_;
  nlohmann::json visa_jwks_;
  crypto::Ed25519KeyPair keys_;
};

// A free TCP port on 127.0.0.1, bound and released: nothing listens there afterwards (a
// request to it is refused at once) until someone binds it again.
inline int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// An HTTP answer as the tests see it.
struct Answer {
  int status = 0;  // 0: no answer (connection error or client timeout)
  json body;       // parsed body (discarded when not JSON)
  std::string raw;
  double ms = 0;  // wall time of the call
};

// Sends one request to 127.0.0.1:port. `key` ("" = none) goes in X-API-Key; `extra` headers are
// added as given. POST when `body` is set, GET otherwise.
inline Answer Call(int port, const std::string& method, const std::string& path,
                   const std::string& body = "", const std::string& key = "",
                   const httplib::Headers& extra = {}, int timeout_s = 20) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(timeout_s, 0);
  client.set_read_timeout(timeout_s, 0);
  client.set_write_timeout(timeout_s, 0);
  httplib::Headers headers = extra;
  if (!key.empty()) headers.emplace("X-API-Key", key);
  const auto start = std::chrono::steady_clock::now();
  httplib::Result res = method == "GET"
                            ? client.Get(path.c_str(), headers)
                            : client.Post(path.c_str(), headers, body, "application/json");
  Answer a;
  a.ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!res) return a;
  a.status = res->status;
  a.raw = res->body;
  a.body = json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  return a;
}

// Starts `server` (a NodeServer or HubServer, already created) on its configured address in a
// thread and stops it on destruction. Waits until the server accepts requests, so that Stop()
// cannot run before Serve() (httplib would then never stop).
template <typename Server>
class Running {
 public:
  explicit Running(std::unique_ptr<Server> server) : server_(std::move(server)) {
    const Result<int> port = server_->Bind();
    EXPECT_TRUE(port.ok()) << port.status().ToString();
    if (!port.ok()) return;
    port_ = *port;
    thread_ = std::thread([this] { server_->Serve(); });
    // Any answer (a node answers 401 to an unsigned request) shows the accept loop runs.
    for (int i = 0; i < 200 && Call(port_, "GET", "/v1/health", "", "", {}, 2).status == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~Running() {
    if (!thread_.joinable()) return;
    server_->Stop();
    thread_.join();
  }
  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;

  int port() const { return port_; }
  Server& server() { return *server_; }

 private:
  std::unique_ptr<Server> server_;
  std::thread thread_;
  int port_ = -1;
};

inline std::unique_ptr<Running<NodeServer>> StartNode(const NodeConfig& config) {
  Result<std::unique_ptr<NodeServer>> node = NodeServer::Create(config);
  EXPECT_TRUE(node.ok()) << node.status().ToString();
  if (!node.ok()) return nullptr;
  return std::make_unique<Running<NodeServer>>(std::move(*node));
}

struct FederationOptions {
  int timeout_ms = 500;
  std::string query_log;              // "" = none
  std::string database = ":memory:";  // the hub database
  // Site id → URL used by the hub instead of starting a node for that site.
  std::map<std::string, std::string> url_overrides;
  // Nodes shared with another Federation (site id → port): the hub uses them and this object
  // starts no node for them.
  std::map<std::string, int> shared_nodes;
};

// A hub and the nodes of every site of `data` (except those overridden or shared), each on a
// free loopback port. API keys: kRegisteredKey (registered) and kControlledKey (controlled).
class Federation {
 public:
  Federation(const FederationData& data, FederationOptions options) {
    HubConfig hub;
    hub.listen = {"127.0.0.1", 0};
    hub.secret_key = data.keys().secret_key;
    hub.visa_issuer = FederationData::kVisaIssuer;
    hub.visa_signing_key = data.visa_key_path();
    hub.timeout_ms = options.timeout_ms;
    hub.query_log = options.query_log;
    hub.database = options.database;
    hub.threads = 8;
    hub.api_keys = {{crypto::Sha256(kRegisteredKey), Tier::kRegistered, kRegisteredCaller},
                    {crypto::Sha256(kControlledKey), Tier::kControlled, kControlledCaller}};
    for (const FedSite& s : data.sites()) {
      std::string url;
      if (auto it = options.url_overrides.find(s.id); it != options.url_overrides.end()) {
        url = it->second;
      } else if (auto sh = options.shared_nodes.find(s.id); sh != options.shared_nodes.end()) {
        url = "http://127.0.0.1:" + std::to_string(sh->second);
        node_ports_[s.id] = sh->second;
      } else {
        nodes_[s.id] = StartNode(data.NodeConfigFor(s));
        if (!nodes_[s.id]) return;
        node_ports_[s.id] = nodes_[s.id]->port();
        url = "http://127.0.0.1:" + std::to_string(node_ports_[s.id]);
      }
      hub.sites.push_back({s.id, s.name, url});
    }
    Result<std::unique_ptr<HubServer>> server = HubServer::Create(hub);
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    if (!server.ok()) return;
    hub_ = std::make_unique<Running<HubServer>>(std::move(*server));
  }
  ~Federation() {
    hub_.reset();  // the hub first: it may be waiting on a node
    nodes_.clear();
  }

  bool ok() const { return hub_ != nullptr && hub_->port() > 0; }
  int hub_port() const { return hub_->port(); }
  // Port of the node of `site` started or shared by this federation (-1 if none).
  int node_port(const std::string& site) const {
    auto it = node_ports_.find(site);
    return it == node_ports_.end() ? -1 : it->second;
  }
  std::map<std::string, int> node_ports() const { return node_ports_; }

  // POST a JSON body (text, so that malformed bodies can be sent) to the hub.
  Answer Post(const std::string& path, const std::string& body, const std::string& key) const {
    return Call(hub_port(), "POST", path, body, key);
  }
  Answer Post(const std::string& path, const json& body, const std::string& key) const {
    return Post(path, body.dump(), key);
  }
  Answer Get(const std::string& path, const std::string& key = "") const {
    return Call(hub_port(), "GET", path, "", key);
  }

 private:
  std::map<std::string, std::unique_ptr<Running<NodeServer>>> nodes_;
  std::map<std::string, int> node_ports_;
  std::unique_ptr<Running<HubServer>> hub_;
};

// ---- Independent truth -----------------------------------------------------------------

// Sample ids of the samples files whose rows satisfy the awk condition `cond` over the columns
// $1 sample_id, $2 biobank, $3 age_band, $4 sex, $5 prefecture (2-digit JIS), $6 icd10.
inline std::vector<std::string> AwkIds(const std::vector<std::string>& samples_files,
                                       const std::string& cond) {
  std::string cmd = "awk -F'\\t' 'FNR > 1 && (" + cond + ") { print $1 }'";
  for (const std::string& f : samples_files) cmd += " " + f;
  const CommandResult r = Shell(cmd);
  EXPECT_EQ(r.exit_code, 0) << cmd;
  std::vector<std::string> ids;
  std::istringstream in(r.output);
  std::string id;
  while (std::getline(in, id)) {
    if (!id.empty()) ids.push_back(id);
  }
  return ids;
}

// bcftools +fill-tags counts of one record (one entry per ALT).
struct TruthRecord {
  std::string contig, ref;
  int64_t pos = 0;
  std::vector<std::string> alts;
  int64_t ns = 0, an = 0;
  std::vector<int64_t> ac, ac_het, ac_hom, ac_hemi;
};

// Records by "contig:pos:ref", in file order.
struct TruthTable {
  std::vector<TruthRecord> records;
  std::map<std::string, size_t> index;
  const TruthRecord* Find(const std::string& contig, int64_t pos, const std::string& ref) const {
    auto it = index.find(contig + ":" + std::to_string(pos) + ":" + ref);
    return it == index.end() ? nullptr : &records[it->second];
  }
};

inline std::vector<std::string> SplitOn(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string part;
  std::istringstream in(s);
  while (std::getline(in, part, sep)) out.push_back(part);
  if (!s.empty() && s.back() == sep) out.push_back("");
  return out;
}

// `bcftools view -S ids` (all samples when `ids` is empty) then +fill-tags, over `bcf`.
inline TruthTable BcftoolsTruth(const std::string& bcf, const std::vector<std::string>& ids,
                                const std::string& scratch_dir) {
  std::string subset = "bcftools view " + bcf;
  if (!ids.empty()) {
    static int serial = 0;
    const std::string ids_file = scratch_dir + "/ids-" + std::to_string(++serial) + ".txt";
    std::string text;
    for (const std::string& id : ids) text += id + "\n";
    WriteFile(ids_file, text);
    subset += " -S " + ids_file;
  }
  const CommandResult r = Shell(
      subset +
      " | bcftools +fill-tags -- -t AC,AN,AF,AC_Hom,AC_Het,AC_Hemi,NS"
      " | bcftools query -f '%CHROM\\t%POS\\t%REF\\t%ALT\\t%NS\\t%AN\\t%AC\\t%AC_Het\\t%AC_Hom"
      "\\t%AC_Hemi\\n'");
  EXPECT_EQ(r.exit_code, 0) << subset;
  TruthTable t;
  std::istringstream in(r.output);
  std::string line;
  auto ints = [](const std::string& s) {
    std::vector<int64_t> v;
    for (const std::string& x : SplitOn(s, ',')) v.push_back(std::stoll(x));
    return v;
  };
  while (std::getline(in, line)) {
    const std::vector<std::string> f = SplitOn(line, '\t');
    if (f.size() != 10) {
      ADD_FAILURE() << "unexpected bcftools line: " << line;
      continue;
    }
    TruthRecord rec{f[0],
                    f[2],
                    std::stoll(f[1]),
                    SplitOn(f[3], ','),
                    std::stoll(f[4]),
                    std::stoll(f[5]),
                    ints(f[6]),
                    ints(f[7]),
                    ints(f[8]),
                    ints(f[9])};
    const std::string key = rec.contig + ":" + f[1] + ":" + rec.ref;
    EXPECT_EQ(t.index.count(key), 0u) << "two records at " << key;
    t.index[key] = t.records.size();
    t.records.push_back(std::move(rec));
  }
  return t;
}

// bcftools merge trims the alleles of a record to their shortest form (REF CTGTG, ALT
// CTG,CTGTGTG becomes REF CTG, ALT C,CTGTG), while each site's store, and so the hub, keep the
// simulator's spelling. Checks that `merged` lines up with the records of `site_bcf` one to one
// (same contig, position and number of ALTs, alleles equal up to a common suffix) and returns
// it with the site's spelling, so that it can be looked up by what the hub reports.
inline TruthTable WithSiteAlleles(const TruthTable& merged, const std::string& site_bcf) {
  const CommandResult r = Shell("bcftools query -f '%CHROM\\t%POS\\t%REF\\t%ALT\\n' " + site_bcf);
  EXPECT_EQ(r.exit_code, 0) << site_bcf;
  std::vector<std::vector<std::string>> lines;
  std::istringstream in(r.output);
  std::string line;
  while (std::getline(in, line)) lines.push_back(SplitOn(line, '\t'));
  EXPECT_EQ(lines.size(), merged.records.size()) << "merged and site records do not line up";
  // Trims the longest common suffix shared by all alleles while each keeps at least one base.
  auto trimmed = [](std::vector<std::string> alleles) {
    for (;;) {
      bool can = true;
      for (const std::string& a : alleles) {
        can = can && a.size() > 1 && a.back() == alleles[0].back();
      }
      if (!can) return alleles;
      for (std::string& a : alleles) a.pop_back();
    }
  };
  TruthTable out;
  for (size_t i = 0; i < merged.records.size() && i < lines.size(); ++i) {
    TruthRecord rec = merged.records[i];
    const std::vector<std::string>& f = lines[i];
    if (f.size() != 4 || f[0] != rec.contig || std::stoll(f[1]) != rec.pos) {
      ADD_FAILURE() << "record " << i << " of " << site_bcf << " (" << (f.empty() ? "" : f[0])
                    << ":" << (f.size() > 1 ? f[1] : "") << ") is not at " << rec.contig << ":"
                    << rec.pos;
      return merged;
    }
    std::vector<std::string> site_alleles = {f[2]};
    for (const std::string& alt : SplitOn(f[3], ',')) site_alleles.push_back(alt);
    std::vector<std::string> merged_alleles = {rec.ref};
    merged_alleles.insert(merged_alleles.end(), rec.alts.begin(), rec.alts.end());
    EXPECT_EQ(trimmed(site_alleles), trimmed(merged_alleles))
        << rec.contig << ":" << rec.pos << ": the merged record has other alleles";
    rec.ref = site_alleles[0];
    rec.alts.assign(site_alleles.begin() + 1, site_alleles.end());
    out.index[rec.contig + ":" + std::to_string(rec.pos) + ":" + rec.ref] = out.records.size();
    out.records.push_back(std::move(rec));
  }
  return out;
}

// Quiet servers: refusals are expected in these tests and logged as warnings.
inline void QuietLogs() { SetLogLevel(LogLevel::kError); }

}  // namespace renkei::testing
