// Pieces of the hub's HTTP layer shared by its route files (hub_accounts.cc, hub_external_idp.cc,
// …): the session cookie, reading cookies, and an account's JSON form.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "identity/accounts.h"

namespace renkei {

// The browser session's cookie (HttpOnly, Secure, SameSite=Strict; docs/accounts.md).
inline constexpr const char* kSessionCookie = "renkei_session";

// The value of cookie `name` in the request's Cookie header, or "".
std::string CookieValue(const httplib::Request& req, std::string_view name);

// An account as the API shows it (docs/openapi.json "User"); never secrets.
nlohmann::json UserJson(const identity::User& u);

}  // namespace renkei
