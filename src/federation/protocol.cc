#include "federation/protocol.h"

#include <string>

namespace renkei {

nlohmann::json ErrorJson(const Status& status) {
  return {{"error",
           {{"code", std::string(StatusCodeName(status.code()))}, {"message", status.message()}}}};
}

Status StatusFromErrorJson(const nlohmann::json& body, int http_status) {
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    const nlohmann::json& e = body["error"];
    const std::string code = e.value("code", "");
    const std::string message = e.value("message", "");
    for (int c = 1; c <= static_cast<int>(StatusCode::kInternal); ++c) {
      const auto sc = static_cast<StatusCode>(c);
      if (StatusCodeName(sc) == code) return Status(sc, message);
    }
  }
  return Internal("unexpected answer (HTTP " + std::to_string(http_status) + ")");
}

}  // namespace renkei
