#include "federation/site_client.h"

#include <httplib.h>

#include "federation/protocol.h"

namespace renkei {

namespace {
// Idle connections kept per site; more concurrent calls open extra ones that are then closed.
constexpr size_t kMaxIdle = 64;  // nodes run at least this many workers (api/config.h)
// Largest answer accepted from a node (a region at the controlled tier stays far below).
constexpr size_t kMaxAnswerBytes = size_t{256} << 20;
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
  // Requests and answers are written in pieces; without this, Nagle's algorithm and delayed
  // ACKs stall every exchange on a reused connection by ~40-90 ms.
  c->set_tcp_nodelay(true);
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
                                        const std::string& caller, const std::string& visas) {
  SignedRequest req;
  req.method = body ? "POST" : "GET";
  req.path = path;
  req.body = body ? body->dump() : std::string();
  req.caller = caller;
  req.visas = visas;
  const SignatureHeaders sig = signer_->Sign(site_id_, req, std::chrono::system_clock::now());
  httplib::Headers headers;
  for (const auto& [name, value] : sig) headers.emplace(name, value);

  httplib::Request request;
  request.method = req.method;
  request.path = path;
  request.headers = std::move(headers);
  if (body) {
    request.body = req.body;
    request.set_header("Content-Type", "application/json");
  }
  // The per-read timeouts of the connection do not bound a node that trickles its answer: the
  // body is collected here, and the transfer cut at the deadline.
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  bool late = false;
  std::string answer_text;
  request.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
    late = std::chrono::steady_clock::now() > deadline;
    if (!late) answer_text.append(data, size);
    return !late && answer_text.size() <= kMaxAnswerBytes;
  };
  std::unique_ptr<httplib::Client> client = Acquire();
  httplib::Result res = client->send(request);
  // On any failure the connection is in an unknown state: it is dropped, not reused.
  if (late) {
    return Unavailable("site " + site_id_ + " did not answer within " +
                       std::to_string(timeout_.count()) + " ms");
  }
  if (answer_text.size() > kMaxAnswerBytes) {
    return Internal("site " + site_id_ + " sent an answer larger than " +
                    std::to_string(kMaxAnswerBytes) + " bytes");
  }
  if (!res) {
    return Unavailable("site " + site_id_ + " did not answer (" + httplib::to_string(res.error()) +
                       ")");
  }
  const int status = res->status;
  nlohmann::json answer = nlohmann::json::parse(answer_text, nullptr, /*allow_exceptions=*/false);
  Release(std::move(client));
  if (answer.is_discarded()) {
    return Internal("site " + site_id_ + " sent an answer that is not JSON (HTTP " +
                    std::to_string(status) + ")");
  }
  if (status < 200 || status >= 300) return StatusFromErrorJson(answer, status);
  return answer;
}

}  // namespace renkei
