// The hub's connection to one site node: signed requests over a pool of keep-alive HTTP
// connections, with a per-request timeout.
//
// Thread-safety: Call may be used from many threads at once (each takes its own connection).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "federation/signing.h"

namespace httplib {
class Client;
}

namespace renkei {

class SiteClient {
 public:
  // `url`: "http://host:port"; `signer` must outlive the client.
  SiteClient(std::string site_id, std::string url, const RequestSigner* signer,
             std::chrono::milliseconds timeout);
  ~SiteClient();
  SiteClient(const SiteClient&) = delete;
  SiteClient& operator=(const SiteClient&) = delete;

  const std::string& site_id() const { return site_id_; }

  // Sends a signed request (GET when body is null, POST with a JSON body otherwise) asserting
  // `caller` ("tier:id") and carrying `visas` (space-separated compact JWS visas for this site,
  // "" for none: signing.h X-Renkei-Visas), and returns the JSON answer. The whole answer must
  // arrive within the timeout: a node that trickles its answer is cut off. Errors: Unavailable when
  // the node cannot be reached or does not answer in time (message says which); the node's own
  // error (code and message from its error body) otherwise.
  Result<nlohmann::json> Call(const std::string& path, const nlohmann::json* body,
                              const std::string& caller, const std::string& visas = "");

  std::chrono::milliseconds timeout() const { return timeout_; }

 private:
  std::unique_ptr<httplib::Client> Acquire();
  void Release(std::unique_ptr<httplib::Client> client);

  std::string site_id_, url_;
  const RequestSigner* signer_;
  std::chrono::milliseconds timeout_;
  std::mutex mu_;
  std::vector<std::unique_ptr<httplib::Client>> idle_;
};

}  // namespace renkei
