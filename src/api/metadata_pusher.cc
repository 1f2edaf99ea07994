#include "api/metadata_pusher.h"

#include <nlohmann/json.hpp>

#include "common/log.h"
#include "federation/protocol.h"
#include "federation/site_client.h"

namespace renkei {

using nlohmann::json;

MetadataPusher::MetadataPusher(workflow::DatasetRegistry* registry, audit::AuditLog* audit,
                               std::vector<SiteConfig> sites, const RequestSigner* signer,
                               std::chrono::milliseconds timeout)
    : registry_(registry),
      audit_(audit),
      sites_(std::move(sites)),
      signer_(signer),
      timeout_(timeout),
      worker_([this] { Run(); }) {}

MetadataPusher::~MetadataPusher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void MetadataPusher::Enqueue(std::string dataset_id, int64_t version) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.emplace_back(std::move(dataset_id), version);
  }
  cv_.notify_all();
}

Status MetadataPusher::EnqueuePending() {
  ASSIGN_OR_RETURN(const std::vector<workflow::DatasetVersion> current, registry_->List());
  for (const workflow::DatasetVersion& v : current) {
    if (v.node_status == "pending") Enqueue(v.dataset_id, v.version);
  }
  return Status::Ok();
}

void MetadataPusher::WaitIdle() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return (queue_.empty() && !busy_) || stopping_; });
}

void MetadataPusher::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    auto [dataset, version] = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    Push(dataset, version);
    lock.lock();
    busy_ = false;
    cv_.notify_all();
  }
}

void MetadataPusher::Push(const std::string& dataset_id, int64_t version) {
  Status outcome = [&]() -> Status {
    ASSIGN_OR_RETURN(const workflow::DatasetVersion v, registry_->Get(dataset_id, version));
    if (v.node_status != "pending") return Status::Ok();  // already sent (queued twice)
    const SiteConfig* site = nullptr;
    for (const SiteConfig& s : sites_) {
      if (s.id == v.site) site = &s;
    }
    if (site == nullptr) {
      return FailedPrecondition("site " + v.site + " is not in the hub's configuration");
    }
    ASSIGN_OR_RETURN(const std::string samples, registry_->Samples(dataset_id, version));
    const json body = {{"dataset", dataset_id},
                       {"version", version},
                       {"registered_by", v.created_by},
                       {"samples", samples}};
    SiteClient client(site->id, site->url, signer_, timeout_);
    ASSIGN_OR_RETURN(const json answer,
                     client.Call(kNodeMetadataPath, &body, "registered:" + v.created_by));
    LOG_INFO("metadata: {} version {} applied at {}: {}", dataset_id, version, site->id,
             answer.dump());
    return Status::Ok();
  }();
  const bool applied = outcome.ok();
  if (Status s = registry_->SetNodeStatus(dataset_id, version, applied ? "applied" : "failed",
                                          applied ? "" : outcome.message());
      !s.ok()) {
    LOG_ERROR("metadata: cannot record the node's answer for {} version {}: {}", dataset_id,
              version, s.ToString());
  }
  if (!applied) {
    LOG_WARN("metadata: {} version {} not applied: {}", dataset_id, version, outcome.ToString());
  }
  audit::Event e{"system",
                 applied ? "dataset.applied" : "dataset.failed",
                 "dataset:" + dataset_id,
                 applied ? "ok" : "failed",
                 "",
                 {{"version", version}}};
  if (!applied) e.detail["message"] = outcome.message();
  if (Result<int64_t> seq = audit_->Append(e, std::chrono::system_clock::now()); !seq.ok()) {
    LOG_ERROR("metadata: audit log: {}", seq.status().ToString());
  }
}

}  // namespace renkei
