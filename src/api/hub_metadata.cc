// The hub's metadata-registration routes (docs/metadata.md): the public catalogue of registered
// datasets, and site administrators' checks and registrations of their own site's datasets.
#include <chrono>

#include "api/http_util.h"
#include "api/hub_server.h"
#include "common/log.h"
#include "federation/protocol.h"

namespace renkei {

using nlohmann::json;

namespace {

// A registration carries the samples file: larger than other bodies (http_util.h).
constexpr size_t kMaxRegistrationBytes = kMaxLargeBodyBytes;
static_assert(kMaxRegistrationBytes > workflow::kMaxSamplesFileBytes);

// What anyone may see of a version: not who registered it, nor the node's messages.
json PublicJson(const workflow::DatasetVersion& v) {
  json j = workflow::ToJson(v);
  j.erase("created_by");
  j.erase("node_message");
  return j;
}

struct Registration {
  std::string site;
  json description;
  std::string samples;
  int64_t expected_version = 0;
};

Result<Registration> ReadRegistration(const httplib::Request& req, bool with_version) {
  if (req.body.size() > kMaxRegistrationBytes) {
    return InvalidArgument("the registration is larger than " +
                           std::to_string(kMaxRegistrationBytes >> 20) + " MiB");
  }
  ASSIGN_OR_RETURN(const json body, ParseJsonBody(req, kMaxRegistrationBytes));
  // A check takes the registration's own body (expected_version is then not needed).
  RETURN_IF_ERROR(CheckKeys(body, {"site", "description", "samples", "expected_version"}));
  Registration r;
  if (!body.contains("site") || !body["site"].is_string()) {
    return InvalidArgument("'site' must name your site, e.g. \"tohoku\"");
  }
  r.site = body["site"].get<std::string>();
  if (!body.contains("description")) {
    return InvalidArgument("'description' is missing: the dataset's JGA-style description");
  }
  r.description = body["description"];
  if (!body.contains("samples") || !body["samples"].is_string()) {
    return InvalidArgument(
        "'samples' must be the samples file's text (tab-separated, header sample_id, biobank, "
        "age_band, sex, prefecture, icd10)");
  }
  r.samples = body["samples"].get<std::string>();
  if (with_version) {
    if (!body.contains("expected_version") || !body["expected_version"].is_number_integer() ||
        body["expected_version"].get<int64_t>() < 0) {
      return InvalidArgument(
          "'expected_version' must be the dataset's current version (0 for a new dataset)");
    }
    r.expected_version = body["expected_version"].get<int64_t>();
  }
  return r;
}

}  // namespace

void HubServer::AddMetadataRoutes() {
  auto now = [] {
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  };
  Handle("GET", "/v1/datasets", Access::kPublic,
         [this](const httplib::Request& req, httplib::Response& res) {
           Result<json> out = [&]() -> Result<json> {
             RETURN_IF_ERROR(CallerOf(req).status());  // a key, if given, must be valid
             const std::string site = req.get_param_value("site");
             if (!site.empty()) RETURN_IF_ERROR(ValidateSiteId(site));
             ASSIGN_OR_RETURN(const std::vector<workflow::DatasetVersion> all,
                              service_->datasets().List(site));
             json list = json::array();
             for (const workflow::DatasetVersion& v : all) list.push_back(PublicJson(v));
             return json{{"datasets", list}};
           }();
           SendResult(res, out);
         });
  Handle("GET", "/v1/datasets/{id}", Access::kPublic,
         [this](const httplib::Request& req, httplib::Response& res) {
           Result<json> out = [&]() -> Result<json> {
             RETURN_IF_ERROR(CallerOf(req).status());
             ASSIGN_OR_RETURN(const workflow::DatasetVersion v,
                              service_->datasets().Get(req.matches[1].str()));
             return PublicJson(v);
           }();
           SendResult(res, out);
         });
  // The history: only the dataset's own site administrators.
  Handle("GET", "/v1/datasets/{id}/versions", Access::kSiteAdmin,
         [this](const httplib::Request& req, httplib::Response& res) {
           Result<json> out = [&]() -> Result<json> {
             ASSIGN_OR_RETURN(const identity::Principal p, Authorize(req, Access::kSiteAdmin));
             ASSIGN_OR_RETURN(const std::vector<workflow::DatasetVersion> versions,
                              service_->datasets().Versions(req.matches[1].str()));
             if (!p.user.Has("site_admin", versions.front().site)) {
               return PermissionDenied("dataset " + versions.front().dataset_id +
                                       " belongs to site " + versions.front().site +
                                       "; only its site administrators see its history");
             }
             json list = json::array();
             for (const workflow::DatasetVersion& v : versions) list.push_back(workflow::ToJson(v));
             return json{{"versions", list}};
           }();
           SendResult(res, out);
         });
  // A dry run: the report a registration would get, line by line, and what would change.
  Handle("POST", "/v1/datasets/{id}/check", Access::kSiteAdmin,
         [this](const httplib::Request& req, httplib::Response& res) {
           Result<json> out = [&]() -> Result<json> {
             ASSIGN_OR_RETURN(const identity::Principal p, Authorize(req, Access::kSiteAdmin));
             ASSIGN_OR_RETURN(const Registration r, ReadRegistration(req, false));
             if (!p.user.Has("site_admin", r.site)) {
               return PermissionDenied("you are not a site administrator of " + r.site);
             }
             ASSIGN_OR_RETURN(const workflow::RegistrationReport report,
                              service_->datasets().Check(req.matches[1].str(), r.site,
                                                         r.description, r.samples));
             return workflow::ToJson(report);
           }();
           SendResult(res, out);
         });
  Handle(
      "POST", "/v1/datasets/{id}/versions", Access::kSiteAdmin,
      [this, now](const httplib::Request& req, httplib::Response& res) {
        const std::string dataset = req.matches[1].str();
        std::string actor = "anonymous";
        Result<json> out = [&]() -> Result<json> {
          ASSIGN_OR_RETURN(const identity::Principal p, Authorize(req, Access::kSiteAdmin));
          actor = std::to_string(p.user.id);
          ASSIGN_OR_RETURN(const Registration r, ReadRegistration(req, true));
          if (!p.user.Has("site_admin", r.site)) {
            return PermissionDenied("you are not a site administrator of " + r.site);
          }
          // The structured report goes back with the refusal, so a form can mark each line.
          ASSIGN_OR_RETURN(const workflow::RegistrationReport report,
                           service_->datasets().Check(dataset, r.site, r.description, r.samples));
          if (!report.ok()) {
            json refusal = ErrorJson(
                InvalidArgument("the registration has " + std::to_string(report.problems.size()) +
                                " problem(s); nothing was stored: see 'report'"));
            refusal["report"] = workflow::ToJson(report);
            return refusal;
          }
          ASSIGN_OR_RETURN(const workflow::DatasetVersion v,
                           service_->datasets().Register(dataset, r.site, r.description, r.samples,
                                                         actor, now(), r.expected_version));
          service_->metadata_pusher().Enqueue(v.dataset_id, v.version);
          return workflow::ToJson(v);
        }();
        audit::Event e{actor, "dataset.register", "dataset:" + dataset, "ok", req.remote_addr, {}};
        if (out.ok() && out->contains("error")) {
          e.outcome = "denied";
          e.detail["problems"] = (*out)["report"]["problems"].size();
        } else if (out.ok()) {
          e.detail["version"] = (*out)["version"];
          e.detail["changes"] = (*out)["changes"];
        } else {
          e.outcome = out.status().code() == StatusCode::kPermissionDenied ||
                              out.status().code() == StatusCode::kUnauthenticated
                          ? "denied"
                          : "failed";
          e.detail["message"] = out.status().message();
        }
        if (Result<int64_t> seq = service_->audit().Append(e, std::chrono::system_clock::now());
            !seq.ok()) {
          LOG_ERROR("audit log: {}", seq.status().ToString());
          return SendError(res, Unavailable("the registration could not be recorded; try again"));
        }
        if (!out.ok()) return SendError(res, out.status());
        if (out->contains("error")) return SendJson(res, *out, 400);
        SendJson(res, *out, 201);
      });
}

}  // namespace renkei
