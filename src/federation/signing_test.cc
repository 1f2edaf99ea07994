#include "federation/signing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <thread>
#include <vector>

#include "crypto/sodium.h"

namespace renkei {
namespace {

using std::chrono::seconds;

// A fixed clock: every test passes explicit times, nothing sleeps.
const std::chrono::system_clock::time_point kNow{seconds(1'700'000'000)};

class SigningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    keys_ = crypto::GenerateEd25519KeyPair();
    auto signer = RequestSigner::Create(keys_.secret_key);
    ASSERT_TRUE(signer.ok()) << signer.status().ToString();
    signer_ = std::make_unique<RequestSigner>(std::move(*signer));
    verifier_ = MakeVerifier("tmm");
  }

  std::unique_ptr<RequestVerifier> MakeVerifier(std::string audience,
                                                size_t max_nonces = 1'000'000) {
    auto v =
        RequestVerifier::Create(keys_.public_key, std::move(audience), seconds(60), max_nonces);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? std::move(*v) : nullptr;
  }

  static SignedRequest Request() {
    return SignedRequest{"POST", "/v1/freq?chrom=chr1&pos=12345", R"({"cohort":"sex=male"})",
                         "registered:alice"};
  }

  // Expects Unauthenticated whose message contains `needle`.
  static void ExpectRefused(const Status& s, std::string_view needle) {
    EXPECT_EQ(s.code(), StatusCode::kUnauthenticated) << s.ToString();
    EXPECT_NE(s.message().find(needle), std::string::npos)
        << "'" << s.message() << "' lacks '" << needle << "'";
  }

  crypto::Ed25519KeyPair keys_;
  std::unique_ptr<RequestSigner> signer_;
  std::unique_ptr<RequestVerifier> verifier_;
};

TEST_F(SigningTest, SignedRequestVerifies) {
  SignedRequest request = Request();
  SignatureHeaders headers = signer_->Sign("tmm", request, kNow);
  ASSERT_EQ(headers.size(), 4u);
  EXPECT_EQ(headers.at(std::string(kHeaderTimestamp)), "1700000000");
  EXPECT_EQ(headers.at(std::string(kHeaderCaller)), "registered:alice");
  auto nonce = crypto::Base64Decode(headers.at(std::string(kHeaderNonce)));
  ASSERT_TRUE(nonce.ok());
  EXPECT_EQ(nonce->size(), 16u);
  auto signature = crypto::Base64Decode(headers.at(std::string(kHeaderSignature)));
  ASSERT_TRUE(signature.ok());
  EXPECT_EQ(signature->size(), crypto::kEd25519SignatureBytes);

  Status s = verifier_->Verify(request, headers, kNow);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(verifier_->RememberedNonces(), 1u);
}

TEST_F(SigningTest, SignsTheDocumentedMessage) {
  // Rebuild the message from signing.h's description, independently of signing.cc.
  SignedRequest request = Request();
  SignatureHeaders h = signer_->Sign("tmm", request, kNow);
  std::string message =
      "renkei-request-v1\ntmm\nPOST\n/v1/freq?chrom=chr1&pos=12345\n1700000000\n" +
      h.at(std::string(kHeaderNonce)) + "\n" + crypto::HexEncode(crypto::Sha256(request.body)) +
      "\nregistered:alice";
  auto signature = crypto::Base64Decode(h.at(std::string(kHeaderSignature)));
  ASSERT_TRUE(signature.ok());
  EXPECT_TRUE(crypto::VerifyEd25519(keys_.public_key, message, *signature));
}

TEST_F(SigningTest, VisasAreSignedAsTheDocumentedV2Message) {
  SignedRequest request = Request();
  request.visas = "aaa.bbb.ccc ddd.eee.fff";
  SignatureHeaders h = signer_->Sign("tmm", request, kNow);
  EXPECT_EQ(h.at(std::string(kHeaderVisas)), "aaa.bbb.ccc ddd.eee.fff");
  const std::string message =
      "renkei-request-v2\ntmm\nPOST\n/v1/freq?chrom=chr1&pos=12345\n1700000000\n" +
      h.at(std::string(kHeaderNonce)) + "\n" + crypto::HexEncode(crypto::Sha256(request.body)) +
      "\nregistered:alice\naaa.bbb.ccc ddd.eee.fff";
  auto signature = crypto::Base64Decode(h.at(std::string(kHeaderSignature)));
  ASSERT_TRUE(signature.ok());
  EXPECT_TRUE(crypto::VerifyEd25519(keys_.public_key, message, *signature));
  Status s = verifier_->Verify(request, h, kNow);
  EXPECT_TRUE(s.ok()) << s.ToString();
  // Without visas nothing changes: no header, the v1 message.
  EXPECT_FALSE(signer_->Sign("tmm", Request(), kNow).contains(std::string(kHeaderVisas)));
}

TEST_F(SigningTest, VisasCannotBeAddedRemovedOrSwapped) {
  SignedRequest request = Request();
  request.visas = "aaa.bbb.ccc";
  const SignatureHeaders with_visas = signer_->Sign("tmm", request, kNow);
  SignatureHeaders removed = with_visas;
  removed.erase(std::string(kHeaderVisas));
  ExpectRefused(verifier_->Verify(request, removed, kNow), "bad signature");
  SignatureHeaders swapped = with_visas;
  swapped[std::string(kHeaderVisas)] = "xxx.yyy.zzz";
  ExpectRefused(verifier_->Verify(request, swapped, kNow), "bad signature");
  SignatureHeaders added = signer_->Sign("tmm", Request(), kNow);
  added[std::string(kHeaderVisas)] = "aaa.bbb.ccc";
  ExpectRefused(verifier_->Verify(request, added, kNow), "bad signature");
  SignatureHeaders broken = with_visas;
  broken[std::string(kHeaderVisas)] = "aaa\nbbb";
  ExpectRefused(verifier_->Verify(request, broken, kNow), "malformed X-Renkei-Visas header");
  SignatureHeaders twice = with_visas;
  twice["x-renkei-visas"] = "aaa.bbb.ccc";
  ExpectRefused(verifier_->Verify(request, twice, kNow), "malformed signature headers");
}

TEST_F(SigningTest, NoncesAreFresh) {
  SignatureHeaders a = signer_->Sign("tmm", Request(), kNow);
  SignatureHeaders b = signer_->Sign("tmm", Request(), kNow);
  EXPECT_NE(a.at(std::string(kHeaderNonce)), b.at(std::string(kHeaderNonce)));
}

TEST_F(SigningTest, EveryTamperedFieldIsABadSignature) {
  const SignedRequest request = Request();
  const SignatureHeaders headers = signer_->Sign("tmm", request, kNow);

  auto with_request = [&](auto change) {
    SignedRequest r = request;
    change(r);
    return verifier_->Verify(r, headers, kNow);
  };
  auto with_header = [&](std::string_view name, std::string value) {
    SignatureHeaders h = headers;
    h[std::string(name)] = std::move(value);
    return verifier_->Verify(request, h, kNow);
  };

  ExpectRefused(with_request([](SignedRequest& r) { r.method = "GET"; }), "bad signature");
  ExpectRefused(with_request([](SignedRequest& r) { r.path = "/v1/freq?chrom=chr1&pos=12346"; }),
                "bad signature");
  ExpectRefused(with_request([](SignedRequest& r) { r.body = R"({"cohort":"sex=female"})"; }),
                "bad signature");
  ExpectRefused(with_request([](SignedRequest& r) { r.body += " "; }), "bad signature");
  ExpectRefused(with_header(kHeaderCaller, "controlled:alice"), "bad signature");
  ExpectRefused(with_header(kHeaderCaller, ""), "bad signature");
  ExpectRefused(with_header(kHeaderTimestamp, "1700000001"), "bad signature");  // still fresh
  ExpectRefused(with_header(kHeaderNonce, crypto::Base64Encode(crypto::RandomBytes(16))),
                "bad signature");
  std::string signature = *crypto::Base64Decode(headers.at(std::string(kHeaderSignature)));
  signature[10] = static_cast<char>(signature[10] ^ 0x40);
  ExpectRefused(with_header(kHeaderSignature, crypto::Base64Encode(signature)), "bad signature");
  // Signed by another key.
  crypto::Ed25519KeyPair other = crypto::GenerateEd25519KeyPair();
  auto other_signer = RequestSigner::Create(other.secret_key);
  ASSERT_TRUE(other_signer.ok());
  ExpectRefused(verifier_->Verify(request, other_signer->Sign("tmm", request, kNow), kNow),
                "bad signature");

  // None of the refused attempts used up the nonce: the genuine request still passes.
  EXPECT_EQ(verifier_->RememberedNonces(), 0u);
  Status s = verifier_->Verify(request, headers, kNow);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(SigningTest, CallerComesFromTheSignedHeaderNotTheRequest) {
  SignatureHeaders headers = signer_->Sign("tmm", Request(), kNow);
  SignedRequest forwarded = Request();
  forwarded.caller = "something the node made up";  // ignored by contract
  Status s = verifier_->Verify(forwarded, headers, kNow);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(SigningTest, RequestForAnotherNodeIsRefused) {
  SignedRequest request = Request();
  // Captured at NCGM, replayed at TMM.
  SignatureHeaders for_ncgm = signer_->Sign("ncgm", request, kNow);
  ExpectRefused(verifier_->Verify(request, for_ncgm, kNow), "bad signature");
  // And the other way round.
  std::unique_ptr<RequestVerifier> ncgm = MakeVerifier("ncgm");
  ASSERT_NE(ncgm, nullptr);
  ExpectRefused(ncgm->Verify(request, signer_->Sign("tmm", request, kNow), kNow), "bad signature");
  EXPECT_TRUE(ncgm->Verify(request, for_ncgm, kNow).ok());
}

TEST_F(SigningTest, ExpiredRequestsAreRefusedBothWays) {
  SignedRequest request = Request();
  ExpectRefused(verifier_->Verify(request, signer_->Sign("tmm", request, kNow - seconds(61)), kNow),
                "request expired (skew 61 s > 60 s)");
  ExpectRefused(verifier_->Verify(request, signer_->Sign("tmm", request, kNow + seconds(75)), kNow),
                "request expired (skew 75 s > 60 s)");
  // A timestamp absurdly far away reports its skew without overflowing.
  SignatureHeaders ancient = signer_->Sign("tmm", request, kNow);
  ancient[std::string(kHeaderTimestamp)] = "-9223372036854775808";
  ExpectRefused(verifier_->Verify(request, ancient, kNow), "request expired (skew ");
  // The limit itself is still fresh.
  EXPECT_TRUE(
      verifier_->Verify(request, signer_->Sign("tmm", request, kNow - seconds(60)), kNow).ok());
  EXPECT_TRUE(
      verifier_->Verify(request, signer_->Sign("tmm", request, kNow + seconds(60)), kNow).ok());
  // Expired requests leave nothing behind.
  EXPECT_EQ(verifier_->RememberedNonces(), 2u);
}

TEST_F(SigningTest, ReplayIsRefused) {
  SignedRequest request = Request();
  SignatureHeaders headers = signer_->Sign("tmm", request, kNow);
  ASSERT_TRUE(verifier_->Verify(request, headers, kNow).ok());
  ExpectRefused(verifier_->Verify(request, headers, kNow), "replayed request (nonce already used)");
  ExpectRefused(verifier_->Verify(request, headers, kNow + seconds(59)),
                "replayed request (nonce already used)");
  // Once the request is too old, it is refused as expired.
  ExpectRefused(verifier_->Verify(request, headers, kNow + seconds(61)), "request expired");
}

TEST_F(SigningTest, MissingHeadersAreNamed) {
  const SignedRequest request = Request();
  const SignatureHeaders headers = signer_->Sign("tmm", request, kNow);
  for (std::string_view name : {kHeaderTimestamp, kHeaderNonce, kHeaderCaller, kHeaderSignature}) {
    SignatureHeaders h = headers;
    h.erase(std::string(name));
    Status s = verifier_->Verify(request, h, kNow);
    ExpectRefused(s, "missing signature headers: ");
    ExpectRefused(s, name);
  }
  ExpectRefused(verifier_->Verify(request, {}, kNow),
                "missing signature headers: X-Renkei-Timestamp, X-Renkei-Nonce, X-Renkei-Caller, "
                "X-Renkei-Signature");
}

TEST_F(SigningTest, MalformedHeadersAreNamed) {
  const SignedRequest request = Request();
  const SignatureHeaders headers = signer_->Sign("tmm", request, kNow);
  struct Case {
    std::string_view header;
    std::string value;
    std::string_view needle;
  };
  const std::string kNonceMsg = "malformed X-Renkei-Nonce header (expected base64 of 16 bytes)";
  const std::string kSigMsg = "malformed X-Renkei-Signature header (expected base64 of 64 bytes)";
  const std::string kTimeMsg = "malformed X-Renkei-Timestamp header";
  for (const Case& c : {
           Case{kHeaderNonce, "not base64!", kNonceMsg},
           Case{kHeaderNonce, "", kNonceMsg},
           Case{kHeaderNonce, crypto::Base64Encode(std::string(15, 'n')), kNonceMsg},
           Case{kHeaderNonce, crypto::Base64Encode(std::string(17, 'n')), kNonceMsg},
           Case{kHeaderSignature, "%%%%", kSigMsg},
           Case{kHeaderSignature, headers.at(std::string(kHeaderSignature)) + "\n", kSigMsg},
           Case{kHeaderSignature, crypto::Base64Encode(std::string(63, 's')), kSigMsg},
           Case{kHeaderTimestamp, "", kTimeMsg},
           Case{kHeaderTimestamp, "soon", kTimeMsg},
           Case{kHeaderTimestamp, "+1700000000", kTimeMsg},
           Case{kHeaderTimestamp, "01700000000", kTimeMsg},
           Case{kHeaderTimestamp, "1700000000 ", kTimeMsg},
           Case{kHeaderTimestamp, "1700000000.5", kTimeMsg},
           Case{kHeaderTimestamp, "99999999999999999999", kTimeMsg},
           Case{kHeaderCaller, "registered:alice\ncontrolled:bob",
                "malformed X-Renkei-Caller header (contains a line break)"},
       }) {
    SignatureHeaders h = headers;
    h[std::string(c.header)] = c.value;
    ExpectRefused(verifier_->Verify(request, h, kNow), c.needle);
  }
  SignedRequest with_break = request;
  with_break.path = "/v1/freq\nx";
  ExpectRefused(verifier_->Verify(with_break, headers, kNow),
                "malformed request (line break in method or path)");
  EXPECT_EQ(verifier_->RememberedNonces(), 0u);
}

TEST_F(SigningTest, HeaderNamesAreCaseInsensitive) {
  SignedRequest request = Request();
  SignatureHeaders lower;
  for (const auto& [name, value] : signer_->Sign("tmm", request, kNow)) {
    std::string n = name;
    std::transform(n.begin(), n.end(), n.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    lower[n] = value;
  }
  Status s = verifier_->Verify(request, lower, kNow);
  EXPECT_TRUE(s.ok()) << s.ToString();

  // Two spellings of one header: which one is meant is unclear, so refuse.
  SignatureHeaders both = signer_->Sign("tmm", request, kNow);
  both["x-renkei-caller"] = "controlled:mallory";
  ExpectRefused(verifier_->Verify(request, both, kNow), "malformed signature headers");
}

TEST_F(SigningTest, ExpiredNoncesAreSweptAndStayRefused) {
  SignedRequest request = Request();
  SignatureHeaders first = signer_->Sign("tmm", request, kNow);
  ASSERT_TRUE(verifier_->Verify(request, first, kNow).ok());
  ASSERT_TRUE(verifier_->Verify(request, signer_->Sign("tmm", request, kNow), kNow).ok());
  EXPECT_EQ(verifier_->RememberedNonces(), 2u);
  // Nonces are remembered until 2×60 s after their timestamp; a later request triggers the sweep.
  const auto later = kNow + seconds(121);
  ASSERT_TRUE(verifier_->Verify(request, signer_->Sign("tmm", request, later), later).ok());
  EXPECT_EQ(verifier_->RememberedNonces(), 1u);
  // If the clock steps back, a forgotten nonce still cannot be replayed.
  ExpectRefused(verifier_->Verify(request, first, kNow), "request too old to check for replay");
}

TEST_F(SigningTest, FullNonceCacheForgetsTheOldestAndRefusesWhatItForgot) {
  std::unique_ptr<RequestVerifier> small = MakeVerifier("tmm", /*max_nonces=*/4);
  ASSERT_NE(small, nullptr);
  SignedRequest request = Request();
  std::vector<SignatureHeaders> sent;
  for (int age = 4; age >= 1; --age) {
    sent.push_back(signer_->Sign("tmm", request, kNow - seconds(age)));
    ASSERT_TRUE(small->Verify(request, sent.back(), kNow).ok());
  }
  EXPECT_EQ(small->RememberedNonces(), 4u);
  // Full and nothing expired: the oldest entry is forgotten to make room.
  ASSERT_TRUE(small->Verify(request, signer_->Sign("tmm", request, kNow), kNow).ok());
  EXPECT_EQ(small->RememberedNonces(), 4u);
  // The forgotten one cannot be replayed; nor can a new request that old; the rest are known.
  ExpectRefused(small->Verify(request, sent[0], kNow), "request too old to check for replay");
  ExpectRefused(small->Verify(request, signer_->Sign("tmm", request, kNow - seconds(4)), kNow),
                "request too old to check for replay");
  ExpectRefused(small->Verify(request, sent[1], kNow), "replayed request");
  ExpectRefused(small->Verify(request, sent[3], kNow), "replayed request");
}

TEST_F(SigningTest, ConcurrentReplaysAcceptExactlyOne) {
  SignedRequest request = Request();
  SignatureHeaders headers = signer_->Sign("tmm", request, kNow);
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 8; ++j) {
        if (verifier_->Verify(request, headers, kNow).ok()) ++accepted;
        // Distinct requests from the same threads all pass.
        EXPECT_TRUE(verifier_->Verify(request, signer_->Sign("tmm", request, kNow), kNow).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 1);
  EXPECT_EQ(verifier_->RememberedNonces(), 33u);
}

TEST(SigningCreate, RefusesBadKeysAndSettings) {
  crypto::Ed25519KeyPair keys = crypto::GenerateEd25519KeyPair();
  auto bad_signer = RequestSigner::Create(keys.public_key);  // 32 bytes, not 64
  ASSERT_FALSE(bad_signer.ok());
  EXPECT_EQ(bad_signer.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_signer.status().message().find("64-byte"), std::string::npos);

  auto expect_invalid = [](const Result<std::unique_ptr<RequestVerifier>>& r) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status().ToString();
  };
  expect_invalid(RequestVerifier::Create(keys.secret_key, "tmm"));  // 64 bytes, not 32
  expect_invalid(RequestVerifier::Create("", "tmm"));
  expect_invalid(RequestVerifier::Create(keys.public_key, ""));
  expect_invalid(RequestVerifier::Create(keys.public_key, "tmm\nncgm"));
  expect_invalid(RequestVerifier::Create(keys.public_key, "tmm", seconds(0)));
  expect_invalid(RequestVerifier::Create(keys.public_key, "tmm", seconds(-5)));
  expect_invalid(RequestVerifier::Create(keys.public_key, "tmm", seconds(86401)));
  expect_invalid(RequestVerifier::Create(keys.public_key, "tmm", seconds(60), 0));
  EXPECT_TRUE(RequestVerifier::Create(keys.public_key, "tmm").ok());
}

}  // namespace
}  // namespace renkei
