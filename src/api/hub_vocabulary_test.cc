// GET /v1/vocabulary/diseases over HTTP: suggestions for codes, ranges, chapters, groups and
// names in Japanese and English; every suggested term is accepted by the cohort language; the
// answer matches docs/openapi.json; bounds on q, lang and the number of suggestions.
#include <gtest/gtest.h>

#include <string>

#include "api/hub_test_client.h"
#include "api/openapi_check.h"
#include "cohort/cohort.h"

namespace renkei {
namespace {

using nlohmann::json;

class HubVocabularyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    hub_ = new testing::RunningHub();
    ASSERT_NO_FATAL_FAILURE(hub_->Start(testing::LoopbackHubConfig(2)));
  }
  static void TearDownTestSuite() { delete hub_; }

  // GET /v1/vocabulary/diseases as a public caller; `query` is already URL-encoded.
  static testing::Answer Get(const std::string& query) {
    return testing::HubTestClient(*hub_).Call("GET", "/v1/vocabulary/diseases?" + query, json(),
                                              {});
  }

  // Checks the answer's shape and that each term works after `disease=`; returns the list.
  static json Suggestions(const std::string& query) {
    const testing::Answer a = Get(query);
    EXPECT_EQ(a.status, 200) << a.raw;
    EXPECT_EQ(Validate(OpenApi(), "DiseaseSuggestions", a.body), "") << a.raw;
    const json list = a.body.value("suggestions", json::array());
    EXPECT_LE(list.size(), 20u);
    for (const json& s : list) {
      const std::string term = s["term"];
      Result<Cohort> c = Cohort::Parse("disease=" + term);
      EXPECT_TRUE(c.ok()) << "disease=" << term << ": " << c.status().ToString();
    }
    return list;
  }

  static bool Has(const json& list, const std::string& term, const std::string& kind) {
    for (const json& s : list) {
      if (s["term"] == term && s["kind"] == kind) return true;
    }
    return false;
  }

  static inline testing::RunningHub* hub_ = nullptr;
};

TEST_F(HubVocabularyTest, ACodeComesFirstWithItsSubcategoriesAndBothTitles) {
  const json list = Suggestions("q=e11&lang=en");
  ASSERT_FALSE(list.empty());
  EXPECT_EQ(list[0]["term"], "E11");
  EXPECT_EQ(list[0]["kind"], "category");
  EXPECT_NE(list[0]["title_en"].get<std::string>(), "");
  EXPECT_NE(list[0]["title_ja"].get<std::string>(), "");
  EXPECT_TRUE(Has(list, "E11.9", "category"));
  // A code's start: the categories it begins.
  const json e1 = Suggestions("q=E1");
  EXPECT_TRUE(Has(e1, "E10", "category"));
  EXPECT_TRUE(Has(e1, "E14", "category"));
}

TEST_F(HubVocabularyTest, RangesBlocksAndChapters) {
  EXPECT_TRUE(Has(Suggestions("q=F00-F09"), "F00-F09", "block"));
  EXPECT_TRUE(Has(Suggestions("q=F00-F03"), "F00-F03", "range"));
  const json v = Suggestions("q=V");
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v[0]["term"], "chapter:V");
  EXPECT_EQ(v[0]["code"], "F00-F99");
  EXPECT_TRUE(Has(Suggestions("q=chapter%3AIV"), "chapter:IV", "chapter"));
}

TEST_F(HubVocabularyTest, JapaneseNamesFindGroupsTitlesAndTheNameItself) {
  // 認知症 (dementia) is a group: first.
  const json dementia = Suggestions("q=%E8%AA%8D%E7%9F%A5%E7%97%87&lang=ja");
  ASSERT_FALSE(dementia.empty());
  EXPECT_EQ(dementia[0]["term"], "dementia");
  EXPECT_EQ(dementia[0]["kind"], "group");
  // 糖尿病 (diabetes): its group first, then the type 1 and 2 groups and titled codes.
  const json diabetes = Suggestions("q=%E7%B3%96%E5%B0%BF%E7%97%85&lang=ja");
  ASSERT_FALSE(diabetes.empty());
  EXPECT_EQ(diabetes[0]["term"], "diabetes");
  EXPECT_TRUE(Has(diabetes, "type2-diabetes", "group"));
  bool titled = false;
  for (const json& s : diabetes) {
    if (s["kind"] == "category" &&
        s["title_ja"].get<std::string>().find("糖尿病") != std::string::npos) {
      titled = true;
    }
  }
  // 胃潰瘍 (gastric ulcer) is no group: the name itself (all its codes, K25) is offered.
  const json ulcer = Suggestions("q=%E8%83%83%E6%BD%B0%E7%98%8D&lang=ja");
  ASSERT_FALSE(ulcer.empty());
  EXPECT_EQ(ulcer[0]["term"], "胃潰瘍");
  EXPECT_EQ(ulcer[0]["kind"], "name");
  EXPECT_NE(ulcer[0]["code"].get<std::string>().find("K25"), std::string::npos) << ulcer.dump();
  EXPECT_TRUE(titled) << diabetes.dump();
}

TEST_F(HubVocabularyTest, EnglishNamesAreCaseInsensitiveAndNamesWithSpacesAreQuoted) {
  const json list = Suggestions("q=Type%202%20diabetes&lang=en");
  ASSERT_FALSE(list.empty());
  EXPECT_EQ(list[0]["term"], "type2-diabetes");
  const json cholera = Suggestions("q=CHOLERA");
  EXPECT_TRUE(Has(cholera, "A00", "category")) << cholera.dump();
  // A multi-word name is quoted so that `disease=` reads it whole.
  const json acute = Suggestions("q=acute%20myocardial&lang=en");
  EXPECT_TRUE(Has(acute, "\"acute myocardial\"", "name")) << acute.dump();
}

TEST_F(HubVocabularyTest, BoundedAndChecked) {
  // Many matches: 20 at most.
  EXPECT_EQ(Suggestions("q=a&lang=en").size(), 20u);
  // Nothing typed, or nothing matches: an empty list, not an error.
  EXPECT_TRUE(Suggestions("q=").empty());
  EXPECT_TRUE(Suggestions("q=%20%20").empty());
  EXPECT_TRUE(Suggestions("q=zzqqxx").empty());
  // 100 characters (Japanese: 300 bytes) are accepted, 101 are not.
  std::string hundred;
  for (int i = 0; i < 100; ++i) hundred += "%E7%97%85";  // 病
  EXPECT_EQ(Get("q=" + hundred).status, 200);
  const testing::Answer long_q = Get("q=" + hundred + "x");
  EXPECT_EQ(long_q.status, 400);
  EXPECT_NE(long_q.body["error"]["message"].get<std::string>().find("100"), std::string::npos);
  const testing::Answer bad_lang = Get("q=E11&lang=fr");
  EXPECT_EQ(bad_lang.status, 400);
  EXPECT_EQ(Validate(OpenApi(), "Error", bad_lang.body), "");
}

}  // namespace
}  // namespace renkei
