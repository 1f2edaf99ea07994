#include "workflow/roles.h"

#include <gtest/gtest.h>

namespace renkei {
namespace {

TEST(Roles, NamesRoundTrip) {
  EXPECT_EQ(RoleName(Role::kResearcher), "researcher");
  EXPECT_EQ(RoleName(Role::kSecretariat), "secretariat");
  EXPECT_EQ(RoleName(Role::kReviewer), "reviewer");
  EXPECT_EQ(RoleName(Role::kSiteAdmin), "site_admin");
  EXPECT_EQ(RoleName(Role::kPlatformAdmin), "platform_admin");
  for (Role r : kAllRoles) {
    Result<Role> parsed = ParseRole(RoleName(r));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, r);
  }
  Result<Role> bad = ParseRole("Reviewer");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("platform_admin"), std::string::npos);
}

TEST(Roles, ParseAndFormatGrants) {
  Result<RoleGrant> sa = ParseRoleGrant("site_admin:tohoku");
  ASSERT_TRUE(sa.ok()) << sa.status().ToString();
  EXPECT_EQ(sa->role, Role::kSiteAdmin);
  EXPECT_EQ(sa->site, "tohoku");
  EXPECT_EQ(FormatRoleGrant(*sa), "site_admin:tohoku");
  Result<RoleGrant> r = ParseRoleGrant("researcher");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (RoleGrant{Role::kResearcher, ""}));
  EXPECT_EQ(FormatRoleGrant(*r), "researcher");
}

TEST(Roles, BadGrantsAreRefusedWithReasons) {
  struct Case {
    const char* text;
    const char* needle;
  } cases[] = {
      {"site_admin", "site_admin needs a site"},
      {"site_admin:", "malformed site id ''"},
      {"site_admin:Tohoku", "malformed site id 'Tohoku'"},
      {"site_admin:to hoku", "malformed site id"},
      {"reviewer:tohoku", "takes no site"},
      {"admin", "unknown role 'admin'"},
      {"", "unknown role ''"},
  };
  for (const Case& c : cases) {
    Result<RoleGrant> g = ParseRoleGrant(c.text);
    ASSERT_FALSE(g.ok()) << c.text;
    EXPECT_EQ(g.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(g.status().message().find(c.needle), std::string::npos)
        << c.text << " -> " << g.status().message();
  }
  EXPECT_FALSE(ValidateSiteId(std::string(65, 'a')).ok());
  EXPECT_TRUE(ValidateSiteId(std::string(64, 'a')).ok());
}

TEST(Roles, ParseList) {
  Result<std::vector<RoleGrant>> list = ParseRoleGrants(" researcher , site_admin:nig,reviewer");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[1], (RoleGrant{Role::kSiteAdmin, "nig"}));
  Result<std::vector<RoleGrant>> empty = ParseRoleGrants("  ");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  Result<std::vector<RoleGrant>> bad = ParseRoleGrants("researcher,,reviewer");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("role 2"), std::string::npos) << bad.status().message();
}

TEST(Roles, ActorHoldsSeveralRoles) {
  Actor a{"kenji", {{Role::kReviewer, ""}, {Role::kSiteAdmin, "tohoku"}, {Role::kResearcher, ""}}};
  EXPECT_TRUE(a.Has(Role::kReviewer));
  EXPECT_TRUE(a.Has(Role::kSiteAdmin));
  EXPECT_FALSE(a.Has(Role::kSecretariat));
  EXPECT_TRUE(a.IsSiteAdminOf("tohoku"));
  EXPECT_FALSE(a.IsSiteAdminOf("nig"));
  EXPECT_FALSE(a.IsSiteAdminOf(""));
}

}  // namespace
}  // namespace renkei
