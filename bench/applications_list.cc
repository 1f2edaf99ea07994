// Listing latency of the application repository (issue 4's target: under 50 ms from 10,000
// applications). Creates N applications in one SQLite file (varied kinds, states, applicants,
// members and sites, spread over two years), then times ApplicationRepository::List for the
// typical queries — median of --runs runs each — and, as the peer, the way without listing
// columns: read every JSON document, parse it and filter in memory.
//
//   applications_list [--database PATH] [--count 10000] [--runs 21]
//
// Without --database the file is created in a fresh temporary directory (under /dev/shm if it
// exists) and removed at the end.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "db/database.h"
#include "db/migrate.h"
#include "workflow/application.h"
#include "workflow/repository.h"

namespace {

using renkei::Application;
using renkei::ApplicationContent;
using renkei::ApplicationKind;
using renkei::ApplicationState;
using renkei::Timestamp;
using Clock = std::chrono::steady_clock;

const char* const kSites[] = {"tohoku", "imsut", "nig", "ncc", "ncgm"};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Times `body` `runs` times; prints and returns the median in ms.
double TimeIt(const char* what, int runs, const std::function<size_t()>& body) {
  std::vector<double> ms;
  size_t rows = 0;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    rows = body();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  const double median = Median(ms);
  std::printf("%-46s %4zu rows  median %7.2f ms  min %7.2f  max %7.2f  (%d runs)\n", what, rows,
              median, ms.front(), ms.back(), runs);
  return median;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"Application listing latency"};
  std::string path;
  int count = 10000;
  int runs = 21;
  cli.add_option("--database", path, "SQLite file (default: a temporary one)");
  cli.add_option("--count", count, "applications to create")->check(CLI::Range(1, 1000000));
  cli.add_option("--runs", runs, "runs per query")->check(CLI::Range(1, 1000));
  CLI11_PARSE(cli, argc, argv);

  std::filesystem::path temp_dir;
  if (path.empty()) {
    // tmpfs when there is one: setting up makes 2 commits per application, and fsync would
    // dominate (listing reads from the page cache either way).
    const std::filesystem::path base = std::filesystem::is_directory("/dev/shm")
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    temp_dir = base / ("renkei_bench_apps_" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(temp_dir);
    path = (temp_dir / "hub.db").string();
  }
  auto opened = renkei::db::Database::Open("sqlite:" + path);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 1;
  }
  renkei::db::Database& db = **opened;
  const renkei::db::Migration migration{3, "applications", renkei::workflow::kSchemaSql};
  if (auto st = renkei::db::Migrate(db, std::span(&migration, 1)); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return 1;
  }
  renkei::workflow::ApplicationRepository repo(&db);

  // ---- Setup: count applications, created over two years from 2024-01-01. -----------------
  std::mt19937_64 rng(20250401);
  auto pick = [&rng](size_t n) { return static_cast<size_t>(rng() % n); };
  // Weighted states of non-inquiries: the mix of a platform in its second year.
  const std::pair<ApplicationState, int> kStateMix[] = {
      {ApplicationState::kDraft, 15},          {ApplicationState::kSubmitted, 8},
      {ApplicationState::kReturned, 3},        {ApplicationState::kUnderReview, 8},
      {ApplicationState::kApproved, 4},        {ApplicationState::kRejected, 5},
      {ApplicationState::kContracted, 4},      {ApplicationState::kGranted, 33},
      {ApplicationState::kAmendmentReview, 2}, {ApplicationState::kExpired, 8},
      {ApplicationState::kRevoked, 2},         {ApplicationState::kClosed, 8}};
  auto pick_state = [&] {
    int total = 0;
    for (const auto& [s, w] : kStateMix) total += w;
    int r = static_cast<int>(pick(static_cast<size_t>(total)));
    for (const auto& [s, w] : kStateMix) {
      if (r < w) return s;
      r -= w;
    }
    return ApplicationState::kDraft;
  };
  const Timestamp start = std::chrono::sys_days(std::chrono::year(2024) / 1 / 1);
  const int kResearchers = 800;
  const auto setup0 = Clock::now();
  std::string last_id_seen;
  for (int i = 0; i < count; ++i) {
    const std::string applicant = "user" + std::to_string(pick(kResearchers));
    const Timestamp created =
        start + std::chrono::seconds(static_cast<int64_t>(i) * (2 * 365 * 86400 / count));
    const bool inquiry = pick(10) == 0;
    const ApplicationKind kind = inquiry        ? ApplicationKind::kInquiry
                                 : pick(8) == 0 ? ApplicationKind::kProcessingNodeUse
                                                : ApplicationKind::kDataUse;
    ApplicationContent c;
    c.title = "Study " + std::to_string(i) + ": whole-genome association of a common disease";
    c.purpose = "Find variants associated with the disease in Japanese adults.";
    if (!inquiry) {
      c.institution = "University " + std::to_string(pick(60));
      c.research_plan = std::string(1500, 'p');  // a realistic document size
      const size_t n_sites = 1 + pick(3);
      for (size_t s = 0; s < n_sites; ++s) {
        std::string site = kSites[pick(std::size(kSites))];
        if (std::find(c.sites.begin(), c.sites.end(), site) == c.sites.end())
          c.sites.push_back(site);
      }
      for (size_t m = pick(4); m > 0; --m) {
        std::string user = "user" + std::to_string(pick(kResearchers));
        if (user != applicant) c.members.push_back({user, "Member " + user});
      }
    }
    renkei::Actor actor{applicant, {{renkei::Role::kResearcher, ""}}};
    auto app = repo.Create(kind, actor, created, c);
    if (!app.ok()) {
      std::fprintf(stderr, "create: %s\n", app.status().ToString().c_str());
      return 1;
    }
    ApplicationState state = app->state;
    if (inquiry) {
      state = pick(3) == 0
                  ? ApplicationState::kOpen
                  : (pick(2) == 0 ? ApplicationState::kAnswered : ApplicationState::kClosed);
    } else {
      state = pick_state();
    }
    if (state != app->state) {
      // The repository stores what it is given; a history event moves updated_at on.
      app->history.push_back({"system", std::nullopt, app->state, state, "bench", "", "",
                              created + std::chrono::hours(1 + static_cast<int>(pick(24 * 60)))});
      app->state = state;
      if (state == ApplicationState::kGranted && !app->content.sites.empty()) {
        app->grants.push_back({app->content.sites[0], "", created + std::chrono::hours(24 * 700),
                               "site_admin", created, std::nullopt, ""});
      }
      if (auto st = repo.Save(*app, 1); !st.ok()) {
        std::fprintf(stderr, "save: %s\n", st.ToString().c_str());
        return 1;
      }
    }
  }
  std::printf("setup: %d applications in %s in %.1f s\n", count, path.c_str(),
              std::chrono::duration<double>(Clock::now() - setup0).count());

  // ---- Queries --------------------------------------------------------------------------
  auto list = [&](const renkei::workflow::ListFilter& f) -> size_t {
    auto r = repo.List(f);
    if (!r.ok()) {
      std::fprintf(stderr, "list: %s\n", r.status().ToString().c_str());
      std::exit(1);
    }
    return r->size();
  };
  using renkei::workflow::ListFilter;
  double worst = 0;
  auto timed = [&](const char* what, const ListFilter& f) {
    worst = std::max(worst, TimeIt(what, runs, [&] { return list(f); }));
  };

  ListFilter secretariat;
  secretariat.states = {ApplicationState::kSubmitted};
  timed("secretariat queue (submitted, 50)", secretariat);
  const double secretariat_ms = worst;
  ListFilter secretariat_all = secretariat;
  secretariat_all.states = {ApplicationState::kSubmitted, ApplicationState::kOpen};
  secretariat_all.limit = 500;
  timed("secretariat queue (submitted+open, 500)", secretariat_all);
  ListFilter committee;
  committee.states = {ApplicationState::kUnderReview, ApplicationState::kAmendmentReview};
  timed("committee queue (under/amendment review, 50)", committee);
  ListFilter own;
  own.involving = "user42";
  timed("a researcher's own (applicant or member)", own);
  ListFilter own_applicant;
  own_applicant.applicant = "user42";
  timed("a researcher's own (applicant only)", own_applicant);
  ListFilter site;
  site.site = "tohoku";
  timed("a site's (tohoku, 50)", site);
  ListFilter rare_site;
  rare_site.site = "riken";  // no application: the worst case, every row probed
  timed("a site none concerns (riken, 50)", rare_site);
  ListFilter site_granted = site;
  site_granted.states = {ApplicationState::kGranted};
  site_granted.limit = 500;
  timed("a site's granted (tohoku, 500)", site_granted);
  ListFilter everything;
  everything.limit = 500;
  timed("everything, first page (500)", everything);
  // A deep page: the cursor after the first half.
  {
    ListFilter walk;
    walk.limit = 500;
    for (int page = 0; page < count / 1000; ++page) {
      auto r = repo.List(walk);
      if (!r.ok() || r->empty()) break;
      walk.cursor = r->back().cursor;
    }
    timed("everything, page at the middle (500)", walk);
  }

  // ---- Peer: no listing columns; parse every document and filter in memory. -------------
  const int peer_runs = std::max(1, std::min(runs, 5));
  const double peer = TimeIt("peer: parse all documents, secretariat queue", peer_runs, [&] {
    auto rows = db.Query("SELECT document FROM applications");
    if (!rows.ok()) std::exit(1);
    std::vector<Application> hits;
    for (const auto& row : *rows) {
      auto app = renkei::ApplicationFromJson(nlohmann::json::parse(row.Text(0)));
      if (app.ok() && app->state == ApplicationState::kSubmitted) hits.push_back(std::move(*app));
    }
    return std::min<size_t>(hits.size(), 50);
  });
  std::printf("slowest List median %.2f ms (target < 50 ms); peer / secretariat queue = %.0fx\n",
              worst, peer / std::max(1e-9, secretariat_ms));

  opened->reset();
  if (!temp_dir.empty()) std::filesystem::remove_all(temp_dir);
  return worst < 50 ? 0 : 2;
}
