// The web portal (docs/portal.md): static files built from web/ by `scripts/build.sh web`,
// served by the hub at "/" so that the pages and the API share one origin (the session cookie
// is SameSite=Strict and the API sends no CORS headers).
#include <filesystem>

#include "api/hub_server.h"

namespace renkei {

namespace {

// The pages load nothing from elsewhere (no CDN) and may not be framed; the QR code of TOTP
// enrolment is a data: image.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

}  // namespace

Status HubServer::AddPortal() {
  const std::string& root = service_->config().web_root;
  if (root.empty()) return Status();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(std::filesystem::path(root) / "index.html", ec)) {
    return FailedPrecondition("web_root '" + root +
                              "' has no index.html: build the portal with `bash scripts/build.sh "
                              "web`, or leave web_root out to run the hub without it");
  }
  server_.set_file_request_handler([](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Content-Security-Policy", kContentSecurityPolicy);
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    // Vite names assets by content hash: they never change. The page itself must be re-read.
    res.set_header("Cache-Control", req.path.starts_with("/assets/")
                                        ? "public, max-age=31536000, immutable"
                                        : "no-cache");
  });
  // cpp-httplib compresses text/* answers with brotli at its slowest quality whenever a browser
  // accepts br: over a second for the portal's script on two busy cores, against a few
  // milliseconds to send it whole on loopback. This type (valid for scripts) is one it leaves
  // alone; docs/portal.md has the figures.
  server_.set_file_extension_and_mimetype_mapping("js", "application/javascript; charset=utf-8");
  server_.set_file_extension_and_mimetype_mapping("html", "text/html; charset=utf-8");
  server_.set_file_extension_and_mimetype_mapping("css", "text/css; charset=utf-8");
  server_.set_file_extension_and_mimetype_mapping("svg", "image/svg+xml");
  if (!server_.set_mount_point("/", root)) {
    return FailedPrecondition("cannot serve the portal from web_root '" + root + "'");
  }
  return Status();
}

}  // namespace renkei
