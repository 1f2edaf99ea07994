// Carries registered sample metadata (workflow/dataset_registry.h) from the hub to the site
// nodes, so that a registration reaches the node without a restart.
//
// Each stored version is queued; one worker thread sends it to its site's node (a signed POST
// of the normalised samples file to federation/protocol.h kNodeMetadataPath), which rewrites
// its store's metadata and strata (store/metadata_update.h) and switches to it. That takes
// seconds for a large store, so the registration's answer does not wait: the version's
// node_status goes from "pending" to "applied" or "failed" with the node's reason, and each
// outcome is audited ("dataset.applied", "dataset.failed"). Versions still pending when the hub
// starts (it stopped before sending them) are sent again: nothing registered is lost.
//
// Thread-safety: Enqueue may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "api/config.h"
#include "audit/audit_log.h"
#include "federation/signing.h"
#include "workflow/dataset_registry.h"

namespace renkei {

class MetadataPusher {
 public:
  // Nothing is owned; everything must outlive the pusher. `timeout` bounds one node's work.
  MetadataPusher(workflow::DatasetRegistry* registry, audit::AuditLog* audit,
                 std::vector<SiteConfig> sites, const RequestSigner* signer,
                 std::chrono::milliseconds timeout = std::chrono::minutes(10));
  // Stops after the version being sent, if any; the rest stay pending for the next start.
  ~MetadataPusher();

  // Queues a stored version for its site's node.
  void Enqueue(std::string dataset_id, int64_t version);
  // Queues every current version whose node_status is still "pending". Errors: the database's.
  Status EnqueuePending();
  // Waits until the queue is empty and nothing is being sent (tests, shutdown).
  void WaitIdle();

 private:
  void Run();
  // Sends one version and records the outcome.
  void Push(const std::string& dataset_id, int64_t version);

  workflow::DatasetRegistry* registry_;
  audit::AuditLog* audit_;
  std::vector<SiteConfig> sites_;
  const RequestSigner* signer_;
  std::chrono::milliseconds timeout_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::string, int64_t>> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace renkei
