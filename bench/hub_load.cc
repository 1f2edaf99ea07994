// Load on a running hub: one-variant on-demand frequencies from N concurrent keep-alive
// clients for a fixed time, then latency percentiles, throughput and errors; plus the hub's
// own overhead: the same query sequentially through the hub and straight to one node (signed
// with the hub's key, as the hub would).
//
//   hub_load --hub-config DIR/config/hub.json --node-config DIR/config/tohoku.json
//            --key REGISTERED_KEY --variants chr1:1:A:G,... --clients 50 --seconds 60
//            [--rate R]   (mean requests per second per client, Poisson arrivals;
//                          0 = closed loop, as fast as possible)
#include <httplib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "api/config.h"
#include "federation/signing.h"
#include "freq/selector.h"

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Stats {
  std::vector<double> ms;
  uint64_t errors = 0;
  std::string first_error;
};

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i =
      std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(v.size())));
  return v[i];
}

void Print(const char* what, Stats& s, double seconds) {
  const size_t n = s.ms.size();
  std::printf("%-34s n=%-8zu rps=%-8.0f p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms errors=%lu\n",
              what, n, static_cast<double>(n) / seconds, Percentile(s.ms, 50), Percentile(s.ms, 90),
              Percentile(s.ms, 99), Percentile(s.ms, 100), static_cast<unsigned long>(s.errors));
  if (!s.first_error.empty()) std::printf("  first error: %s\n", s.first_error.c_str());
}

std::string Body(const std::vector<std::string>& cohorts, const std::vector<std::string>& variants,
                 size_t i) {
  return json{{"cohort", cohorts[i % cohorts.size()]}, {"variant", variants[i % variants.size()]}}
      .dump();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Load on a running renkei hub"};
  std::string hub_config_path, node_config_path, key, variant_list;
  int clients = 50;
  double seconds = 30, rate = 0;
  app.add_option("--hub-config", hub_config_path)->required();
  app.add_option("--node-config", node_config_path)->required();
  app.add_option("--key", key, "API key (registered tier)")->required();
  app.add_option("--variants", variant_list, "comma-separated CONTIG:POS:REF:ALT")->required();
  app.add_option("--clients", clients);
  app.add_option("--seconds", seconds);
  app.add_option("--rate", rate, "requests per second per client (0 = closed loop)");
  CLI11_PARSE(app, argc, argv);

  auto hub_doc = renkei::ReadJsonFile(hub_config_path);
  auto node_doc = renkei::ReadJsonFile(node_config_path);
  if (!hub_doc.ok() || !node_doc.ok()) {
    std::fprintf(stderr, "cannot read the configurations\n");
    return 1;
  }
  auto hub = renkei::ParseHubConfig(*hub_doc);
  auto node = renkei::ParseNodeConfig(*node_doc);
  if (!hub.ok() || !node.ok()) {
    std::fprintf(stderr, "bad configuration\n");
    return 1;
  }
  std::vector<std::string> variants;
  for (size_t s = 0, e; s < variant_list.size(); s = e + 1) {
    e = variant_list.find(',', s);
    if (e == std::string::npos) e = variant_list.size();
    variants.push_back(variant_list.substr(s, e - s));
  }
  // Cohorts whose differences and overlaps at every site are 0 or far above the floor (the
  // differencing defence would refuse near-duplicates and small overlaps, as it should).
  const std::vector<std::string> cohorts = {"sex=female", "sex=male", "age=60-69 | age=70-79",
                                            "age=40-49 | age=50-59", "age=60-79 & sex=male"};
  const int hub_port = hub->listen.port;
  const int node_port = node->listen.port;
  std::printf("hub 127.0.0.1:%d, node %s 127.0.0.1:%d, %zu variants, %zu cohorts\n", hub_port,
              node->site.c_str(), node_port, variants.size(), cohorts.size());

  // 1. Overhead: sequential, one client, hub vs direct node call.
  {
    auto signer = renkei::RequestSigner::Create(hub->secret_key);
    httplib::Client hc("127.0.0.1", hub_port), nc("127.0.0.1", node_port);
    hc.set_keep_alive(true);
    hc.set_tcp_nodelay(true);
    nc.set_tcp_nodelay(true);
    nc.set_keep_alive(true);
    Stats via_hub, direct;
    const httplib::Headers auth = {{"X-API-Key", key}};
    for (int i = 0; i < 2000; ++i) {
      const std::string body = Body(cohorts, variants, static_cast<size_t>(i));
      auto t0 = Clock::now();
      auto r = hc.Post("/v1/freq", auth, body, "application/json");
      via_hub.ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      if (!r || r->status != 200) ++via_hub.errors;
      renkei::SignedRequest sr{"POST", "/v1/freq", body, "registered:bench"};
      httplib::Headers h;
      for (const auto& [k, v] : signer->Sign(node->site, sr, std::chrono::system_clock::now())) {
        h.emplace(k, v);
      }
      t0 = Clock::now();
      r = nc.Post("/v1/freq", h, body, "application/json");
      direct.ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      if (!r || r->status != 200) {
        ++direct.errors;
        if (direct.first_error.empty() && r) direct.first_error = r->body.substr(0, 200);
      }
    }
    Print("sequential, through the hub (5 sites)", via_hub, 1);
    Print("sequential, one node directly", direct, 1);
  }

  // 2. Load: N clients.
  std::atomic<bool> stop{false};
  std::vector<Stats> per(static_cast<size_t>(clients));
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client cl("127.0.0.1", hub_port);
      cl.set_keep_alive(true);
      cl.set_tcp_nodelay(true);
      cl.set_read_timeout(10, 0);
      const httplib::Headers auth = {{"X-API-Key", key}};
      Stats& s = per[static_cast<size_t>(c)];
      // Paced clients send at random (Poisson) times, each on its own seed: fixed intervals
      // from a common start would fire all 50 at once, a burst no real set of users makes.
      // Latency counts from the scheduled time, so a client held up by a slow answer does not
      // hide the queueing it suffered (no coordinated omission).
      std::mt19937_64 rng(static_cast<uint64_t>(c) + 1);
      std::exponential_distribution<double> gap(rate > 0 ? rate : 1);
      auto Gap = [&] {
        return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(gap(rng)));
      };
      auto next = Clock::now() + Gap();
      for (size_t i = static_cast<size_t>(c); !stop; i += static_cast<size_t>(clients)) {
        auto t0 = Clock::now();
        if (rate > 0) {
          std::this_thread::sleep_until(next);
          t0 = next;
          next += Gap();
        }
        const std::string body = Body(cohorts, variants, i);
        auto r = cl.Post("/v1/freq", auth, body, "application/json");
        s.ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        if (!r || r->status != 200) {
          ++s.errors;
          if (s.first_error.empty()) s.first_error = r ? r->body.substr(0, 200) : "no answer";
        } else if (r->body.find("\"partial\":true") != std::string::npos) {
          ++s.errors;
          if (s.first_error.empty()) s.first_error = "partial answer";
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  Stats all;
  for (Stats& s : per) {
    all.ms.insert(all.ms.end(), s.ms.begin(), s.ms.end());
    all.errors += s.errors;
    if (all.first_error.empty()) all.first_error = s.first_error;
  }
  char what[64];
  std::snprintf(what, sizeof what, "%d clients%s", clients, rate > 0 ? " (paced)" : "");
  Print(what, all, elapsed);
  return all.errors == 0 ? 0 : 1;
}
