#include "api/http_util.h"

#include <sys/socket.h>

#include "common/log.h"
#include "federation/protocol.h"

namespace renkei {

using nlohmann::json;

void SendJson(httplib::Response& res, const json& body, int status) {
  res.status = status;
  // With the charset, cpp-httplib does not compress the answer: for browsers (which accept br)
  // it would otherwise run brotli at its slowest quality on every answer, tens to hundreds of
  // milliseconds for a page of audit entries (docs/portal.md).
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace),
                  "application/json; charset=utf-8");
}

void SendError(httplib::Response& res, const Status& status) {
  SendJson(res, ErrorJson(status), HttpStatusFor(status.code()));
}

void SendResult(httplib::Response& res, const Result<json>& result) {
  if (result.ok()) {
    SendJson(res, *result);
  } else {
    SendError(res, result.status());
  }
}

Result<json> ParseJsonBody(const httplib::Request& req, size_t max_bytes) {
  if (req.body.empty()) return json::object();
  if (req.body.size() > max_bytes) {
    return InvalidArgument("the request body is larger than " + std::to_string(max_bytes) +
                           " bytes");
  }
  try {
    json body = json::parse(req.body);
    if (!body.is_object()) return InvalidArgument("the request body must be a JSON object");
    return body;
  } catch (const json::parse_error& e) {
    return InvalidArgument("the request body is not valid JSON (at byte " + std::to_string(e.byte) +
                           "); send a JSON object such as "
                           "{\"cohort\": \"age=60-69\"}");
  }
}

Status CheckKeys(const json& body, const std::vector<const char*>& allowed) {
  for (const auto& [key, value] : body.items()) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || key == a;
    if (!ok) {
      std::string list;
      for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return InvalidArgument("unknown field '" + key + "'; this request takes " + list);
    }
  }
  return Status();
}

int BindServer(httplib::Server& server, const std::string& host, int port) {
  constexpr int kListenBacklog = 1024;  // the kernel caps it at net.core.somaxconn
  int fd = -1;  // the socket httplib creates last is the one that is bound, if any
  server.set_socket_options([&fd](socket_t sock) {
    httplib::default_socket_options(sock);
    fd = sock;
  });
  const int bound =
      port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  server.set_socket_options(httplib::default_socket_options);
  // On Linux, listen() on a listening socket changes its backlog.
  if (bound >= 0 && fd >= 0) ::listen(fd, kListenBacklog);
  return bound;
}

void SendTooLarge(httplib::Response& res, size_t limit) {
  SendJson(res,
           ErrorJson(InvalidArgument("the request body is larger than " + std::to_string(limit) +
                                     " bytes")),
           413);
}

void ConfigureServer(httplib::Server& server, int threads) {
  // httplib owns the queue it is given (its API takes a raw pointer).
  server.new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<size_t>(threads));
  };
  server.set_payload_max_length(kMaxLargeBodyBytes);
  server.set_read_timeout(10, 0);
  server.set_write_timeout(10, 0);
  server.set_keep_alive_max_count(100000);
  // Short, because httplib's idle keep-alive wait does not see stop(): a server stops within
  // this long of a signal.
  server.set_keep_alive_timeout(2);
  // Answers are written in pieces: without this, Nagle's algorithm and delayed ACKs stall
  // every exchange on a reused connection.
  server.set_tcp_nodelay(true);
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 404) {
      SendError(res, NotFound("no such endpoint: " + req.method + " " + req.path +
                              " (see docs/openapi.json)"));
    } else if (res.status == 413) {
      SendTooLarge(res, kMaxLargeBodyBytes);
    } else if (res.status >= 400) {
      SendJson(
          res,
          ErrorJson(Status(StatusCode::kInvalidArgument, "HTTP " + std::to_string(res.status))),
          res.status);
    }
  });
  server.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        LOG_ERROR("internal error on {} {}: {}", req.method, req.path, what);
        SendError(res, Internal("internal error; it has been logged"));
      });
}

}  // namespace renkei
