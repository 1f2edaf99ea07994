// GET /v1/admin/usage: the usage report for platform administrators (issue 4), as JSON or as a
// CSV download. See audit/usage.h for what is counted and docs/usage.md for the user's guide.
#include "api/http_util.h"
#include "api/hub_server.h"
#include "audit/usage.h"

namespace renkei {

void HubServer::AddUsageRoutes() {
  Handle("GET", "/v1/admin/usage", Access::kPlatformAdmin,
         [this](const httplib::Request& req, httplib::Response& res) {
           Result<identity::Principal> p = Authorize(req, Access::kPlatformAdmin);
           if (!p.ok()) return SendError(res, p.status());
           Result<audit::UsageReport> report = [&]() -> Result<audit::UsageReport> {
             const std::string by = req.has_param("by") ? req.get_param_value("by") : "user";
             ASSIGN_OR_RETURN(const audit::UsageGroup group, audit::ParseUsageGroup(by));
             const std::string format = req.get_param_value("format");
             if (!format.empty() && format != "json" && format != "csv") {
               return InvalidArgument("'format' must be json or csv, not '" + format.substr(0, 40) +
                                      "'");
             }
             return audit::MakeUsageReport(service_->database(), req.get_param_value("from"),
                                           req.get_param_value("to"), group);
           }();
           if (!report.ok()) return SendError(res, report.status());
           if (req.get_param_value("format") != "csv") {
             return SendJson(res, audit::UsageJson(*report));
           }
           // The dates are checked calendar dates and `by` one of four words: safe in a filename.
           res.set_header("Content-Disposition",
                          "attachment; filename=\"renkei-usage-by-" +
                              std::string(audit::UsageGroupName(report->by)) + "-" + report->from +
                              "-to-" + report->to + ".csv\"");
           res.set_content(audit::UsageCsv(*report), "text/csv; charset=utf-8");
         });
}

}  // namespace renkei
