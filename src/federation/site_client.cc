#include "federation/site_client.h"

#include <httplib.h>

#include "federation/protocol.h"

namespace renkei {

namespace {
// Idle connections kept per site; more concurrent calls open extra ones that are then closed.
constexpr size_t kMaxIdle = 64;
}  // namespace

SiteClient::SiteClient(std::string site_id, std::string url, const RequestSigner* signer,
                       std::chrono::milliseconds timeout)
    : site_id_(std::move(site_id)), url_(std::move(url)), signer_(signer), timeout_(timeout) {}

SiteClient::~SiteClient() = default;

std::unique_ptr<httplib::Client> SiteClient::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<httplib::Client> c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  auto c = std::make_unique<httplib::Client>(url_);
  c->set_keep_alive(true);
  const auto sec = std::chrono::duration_cast<std::chrono::seconds>(timeout_);
  const auto usec = std::chrono::duration_cast<std::chrono::microseconds>(timeout_ - sec);
  c->set_connection_timeout(sec.count(), usec.count());
  c->set_read_timeout(sec.count(), usec.count());
  c->set_write_timeout(sec.count(), usec.count());
  return c;
}

void SiteClient::Release(std::unique_ptr<httplib::Client> client) {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < kMaxIdle) idle_.push_back(std::move(client));
}

Result<nlohmann::json> SiteClient::Call(const std::string& path, const nlohmann::json* body,
                                        const std::string& caller) {
  SignedRequest req;
  req.method = body ? "POST" : "GET";
  req.path = path;
  req.body = body ? body->dump() : std::string();
  req.caller = caller;
  const SignatureHeaders sig = signer_->Sign(site_id_, req, std::chrono::system_clock::now());
  httplib::Headers headers;
  for (const auto& [name, value] : sig) headers.emplace(name, value);

  std::unique_ptr<httplib::Client> client = Acquire();
  httplib::Result res = body ? client->Post(path.c_str(), headers, req.body, "application/json")
                             : client->Get(path.c_str(), headers);
  if (!res) {
    const httplib::Error err = res.error();
    // The connection is in an unknown state: drop it.
    return Unavailable("site " + site_id_ + " did not answer (" + httplib::to_string(err) + ")");
  }
  const int status = res->status;
  nlohmann::json answer = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  Release(std::move(client));
  if (answer.is_discarded()) {
    return Internal("site " + site_id_ + " sent an answer that is not JSON (HTTP " +
                    std::to_string(status) + ")");
  }
  if (status < 200 || status >= 300) return StatusFromErrorJson(answer, status);
  return answer;
}

}  // namespace renkei
