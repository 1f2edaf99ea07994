#include "crypto/openssl.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

#include "crypto/sodium.h"

namespace renkei::crypto {
namespace {

constexpr int kMinRsaBits = 2048;  // RFC 7518 §3.3
constexpr int kMaxRsaBits = 8192;  // bounds the cost of a verification with a foreign key
constexpr size_t kP256CoordinateBytes = 32;
constexpr size_t kEs256SignatureBytes = 2 * kP256CoordinateBytes;
constexpr size_t kMaxPemBytes = 64 * 1024;

// One deleter for every OpenSSL type we own, so std::unique_ptr frees each correctly.
struct OpensslFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(BIGNUM* p) const { BN_clear_free(p); }
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, OpensslFree>;

std::shared_ptr<evp_pkey_st> ShareKey(EVP_PKEY* key) {
  return std::shared_ptr<evp_pkey_st>(key, [](EVP_PKEY* p) { EVP_PKEY_free(p); });
}

// Drains this thread's OpenSSL error queue into one line. OpenSSL's reasons are static strings
// ("bad decrypt", "wrong tag"), never key material.
std::string DrainErrors() {
  std::string out;
  char buf[256];
  while (unsigned long e = ERR_get_error()) {
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "no OpenSSL error reported" : out;
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

Result<std::string> Hmac(const char* digest, size_t expected_size, std::string_view key,
                         std::string_view message) {
  // OpenSSL treats a null key pointer as "no key"; an empty key is a valid HMAC key.
  static const unsigned char kEmpty = 0;
  const unsigned char* key_ptr = key.empty() ? &kEmpty : Bytes(key);
  const unsigned char* msg_ptr = message.empty() ? &kEmpty : Bytes(message);
  std::string out(EVP_MAX_MD_SIZE, '\0');
  size_t out_len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, key_ptr, key.size(), msg_ptr,
                message.size(), reinterpret_cast<unsigned char*>(out.data()), out.size(),
                &out_len) == nullptr ||
      out_len != expected_size) {
    return Internal(std::string("HMAC-") + digest + " failed: " + DrainErrors());
  }
  out.resize(out_len);
  return out;
}

bool IsBase64UrlText(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// Decodes the JWK member `name`; InvalidArgument naming it if absent or malformed.
Result<std::string> DecodeMember(std::string_view name, std::string_view value) {
  if (value.empty())
    return InvalidArgument("JWK lacks the required member \"" + std::string(name) + "\"");
  auto bytes = Base64UrlDecode(value);
  if (!bytes.ok() || bytes->empty()) {
    return InvalidArgument("JWK member \"" + std::string(name) + "\" is not base64url");
  }
  return std::move(bytes).value();
}

// An RSA integer member: base64url of the big-endian value without leading zero octets.
Result<std::string> DecodeUnsignedMember(std::string_view name, std::string_view value) {
  ASSIGN_OR_RETURN(std::string bytes, DecodeMember(name, value));
  if (bytes[0] == '\0') {
    return InvalidArgument("JWK member \"" + std::string(name) +
                           "\" has a leading zero octet (RFC 7518 §6.3.1)");
  }
  return bytes;
}

Owned<BIGNUM> ToBignum(std::string_view bytes, bool secret) {
  Owned<BIGNUM> bn(secret ? BN_secure_new() : BN_new());
  if (!bn) return nullptr;
  if (BN_bin2bn(Bytes(bytes), static_cast<int>(bytes.size()), bn.get()) == nullptr) return nullptr;
  return bn;
}

std::string FromBignum(const BIGNUM* bn) {
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

// Builds an EVP_PKEY of `type` ("RSA", "EC") from `params`; `selection` is EVP_PKEY_KEYPAIR
// or EVP_PKEY_PUBLIC_KEY.
Result<Owned<EVP_PKEY>> KeyFromParams(const char* type, OSSL_PARAM_BLD* builder, int selection) {
  Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(builder));
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) != 1) {
    return InvalidArgument(std::string("cannot build ") + type + " key: " + DrainErrors());
  }
  return Owned<EVP_PKEY>(raw);
}

// OpenSSL's own validation: for a public key, point on the curve / plausible RSA modulus and
// exponent; for a private key, also that the halves belong together.
Status CheckKey(EVP_PKEY* key, bool is_private) {
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!ctx) return Internal("EVP_PKEY_CTX_new_from_pkey failed: " + DrainErrors());
  int ok = is_private ? EVP_PKEY_check(ctx.get()) : EVP_PKEY_public_check(ctx.get());
  if (ok != 1) {
    return InvalidArgument(std::string(is_private ? "private" : "public") +
                           " key fails validation: " + DrainErrors());
  }
  return Status::Ok();
}

Status CheckRsaBits(int bits) {
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return InvalidArgument("RSA key has " + std::to_string(bits) + " bits; need " +
                           std::to_string(kMinRsaBits) + " to " + std::to_string(kMaxRsaBits));
  }
  return Status::Ok();
}

Status CheckAlgMember(const Jwk& jwk, JwsAlgorithm expected) {
  if (jwk.alg.empty()) return Status::Ok();
  auto alg = ParseJwsAlgorithm(jwk.alg);
  if (!alg.ok()) return InvalidArgument("JWK \"alg\" " + jwk.alg + " is not supported");
  if (*alg != expected) {
    return InvalidArgument("JWK \"alg\" " + jwk.alg + " does not fit a key of type " + jwk.kty);
  }
  return Status::Ok();
}

// RSASSA-PKCS1-v1_5 with SHA-256, or ECDSA with SHA-256 over a DER signature.
bool DigestVerify(EVP_PKEY* key, bool rsa, std::string_view message, std::string_view signature) {
  Owned<EVP_MD_CTX> md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  bool ok =
      md && EVP_DigestVerifyInit_ex(md.get(), &pctx, "SHA256", nullptr, nullptr, key, nullptr) == 1;
  if (ok && rsa) ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  ok = ok && EVP_DigestVerify(md.get(), Bytes(signature), signature.size(), Bytes(message),
                              message.size()) == 1;
  ERR_clear_error();  // a bad signature is an answer, not an error to report later
  return ok;
}

// JWS ES256 signatures are r‖s, two 32-byte big-endian integers (RFC 7518 §3.4); OpenSSL wants
// the DER ECDSA-Sig-Value. Empty on failure.
std::string Es256RawToDer(std::string_view raw) {
  Owned<ECDSA_SIG> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(Bytes(raw), static_cast<int>(kP256CoordinateBytes), nullptr);
  BIGNUM* s = BN_bin2bn(Bytes(raw.substr(kP256CoordinateBytes)),
                        static_cast<int>(kP256CoordinateBytes), nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {  // set0 takes r and s
    BN_free(r);
    BN_free(s);
    return {};
  }
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return {};
  std::string der(static_cast<size_t>(len), '\0');
  unsigned char* p = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig.get(), &p) != len) return {};
  return der;
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Internal("cannot write " + path + ": " + std::strerror(errno));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> HmacSha1(std::string_view key, std::string_view message) {
  return Hmac("SHA1", kHmacSha1Bytes, key, message);
}

Result<std::string> HmacSha256(std::string_view key, std::string_view message) {
  return Hmac("SHA256", kHmacSha256Bytes, key, message);
}

std::string_view JwsAlgorithmName(JwsAlgorithm alg) {
  switch (alg) {
    case JwsAlgorithm::kRs256:
      return "RS256";
    case JwsAlgorithm::kEs256:
      return "ES256";
  }
  return "?";
}

Result<JwsAlgorithm> ParseJwsAlgorithm(std::string_view name) {
  if (name == "RS256") return JwsAlgorithm::kRs256;
  if (name == "ES256") return JwsAlgorithm::kEs256;
  return InvalidArgument("unsupported JWS algorithm \"" + std::string(name.substr(0, 32)) +
                         "\" (RS256 and ES256 are supported)");
}

Result<std::string> JwkThumbprint(const Jwk& jwk) {
  // The members are checked to be base64url text, so they need no JSON escaping.
  auto member = [](std::string_view name, std::string_view value) -> Status {
    if (!IsBase64UrlText(value)) {
      return InvalidArgument("JWK member \"" + std::string(name) +
                             "\" is missing or not base64url");
    }
    return Status::Ok();
  };
  std::string canonical;
  if (jwk.kty == "RSA") {
    RETURN_IF_ERROR(member("e", jwk.e));
    RETURN_IF_ERROR(member("n", jwk.n));
    canonical = R"({"e":")" + jwk.e + R"(","kty":"RSA","n":")" + jwk.n + R"("})";
  } else if (jwk.kty == "EC") {
    if (jwk.crv != "P-256")
      return InvalidArgument("JWK curve must be P-256, got \"" + jwk.crv.substr(0, 16) + "\"");
    RETURN_IF_ERROR(member("x", jwk.x));
    RETURN_IF_ERROR(member("y", jwk.y));
    canonical = R"({"crv":"P-256","kty":"EC","x":")" + jwk.x + R"(","y":")" + jwk.y + R"("})";
  } else {
    return InvalidArgument("unsupported JWK key type \"" + jwk.kty.substr(0, 16) +
                           "\" (RSA and EC are supported)");
  }
  return Base64UrlEncode(Sha256(canonical));
}

// --- RsaSigningKey -------------------------------------------------------------------------

Result<RsaSigningKey> RsaSigningKey::FromEvpPkey(std::shared_ptr<evp_pkey_st> key) {
  if (EVP_PKEY_is_a(key.get(), "RSA") != 1) {
    const char* type = EVP_PKEY_get0_type_name(key.get());
    return InvalidArgument("not an RSA private key (type " +
                           std::string(type != nullptr ? type : "unknown") + ")");
  }
  int bits = EVP_PKEY_get_bits(key.get());
  RETURN_IF_ERROR(CheckRsaBits(bits));
  RETURN_IF_ERROR(CheckKey(key.get(), /*is_private=*/true));

  BIGNUM* n_raw = nullptr;
  BIGNUM* e_raw = nullptr;
  bool got = EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N, &n_raw) == 1;
  got = EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_E, &e_raw) == 1 && got;
  Owned<BIGNUM> n(n_raw), e(e_raw);
  if (!got) return Internal("cannot read the RSA public key: " + DrainErrors());

  Jwk jwk;
  jwk.kty = "RSA";
  jwk.n = Base64UrlEncode(FromBignum(n.get()));
  jwk.e = Base64UrlEncode(FromBignum(e.get()));
  jwk.alg = "RS256";
  jwk.use = "sig";
  ASSIGN_OR_RETURN(jwk.kid, JwkThumbprint(jwk));
  return RsaSigningKey(std::move(key), std::move(jwk), bits);
}

Result<RsaSigningKey> RsaSigningKey::Generate(int bits) {
  RETURN_IF_ERROR(CheckRsaBits(bits));
  EVP_PKEY* raw = EVP_RSA_gen(static_cast<unsigned int>(bits));
  if (raw == nullptr) return Internal("RSA key generation failed: " + DrainErrors());
  return FromEvpPkey(ShareKey(raw));
}

Result<RsaSigningKey> RsaSigningKey::FromPem(std::string_view pem) {
  if (pem.size() > kMaxPemBytes) return InvalidArgument("PEM key is larger than 64 KiB");
  if (pem.find("ENCRYPTED") != std::string_view::npos) {
    return InvalidArgument(
        "encrypted PEM private keys are not supported (store it unencrypted "
        "with mode 0600)");
  }
  Owned<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Internal("BIO_new_mem_buf failed: " + DrainErrors());
  // A callback that supplies no passphrase: OpenSSL must never prompt on the terminal.
  auto no_passphrase = [](char*, int, int, void*) -> int { return 0; };
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
  if (raw == nullptr) {
    ERR_clear_error();  // the reasons can be misleading ("bad password read"); ours is clear
    return InvalidArgument("not a PEM private key (expected \"-----BEGIN PRIVATE KEY-----\")");
  }
  return FromEvpPkey(ShareKey(raw));
}

Result<RsaSigningKey> RsaSigningKey::LoadPemFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound("private key file " + path + " does not exist");
    return Internal("cannot open private key file " + path + ": " + std::strerror(errno));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Internal("cannot stat " + path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return InvalidArgument(path + " is not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return FailedPrecondition("private key file " + path + " has mode " + mode +
                              ", readable or writable by group or others; run chmod 600 on it");
  }
  if (static_cast<size_t>(st.st_size) > kMaxPemBytes) {
    return InvalidArgument("private key file " + path + " is larger than 64 KiB");
  }
  std::string pem(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < pem.size()) {
    ssize_t n = ::read(fd, pem.data() + got, pem.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Internal("cannot read " + path + ": " + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  pem.resize(got);
  auto key = FromPem(pem);
  OPENSSL_cleanse(pem.data(), pem.size());
  if (!key.ok()) return key.status().WithContext(path);
  return key;
}

Result<RsaSigningKey> RsaSigningKey::FromJwk(const RsaPrivateJwk& jwk) {
  struct Member {
    const char* name;
    const std::string* value;
    const char* param;
  };
  const Member members[] = {
      {"n", &jwk.n, OSSL_PKEY_PARAM_RSA_N},
      {"e", &jwk.e, OSSL_PKEY_PARAM_RSA_E},
      {"d", &jwk.d, OSSL_PKEY_PARAM_RSA_D},
      {"p", &jwk.p, OSSL_PKEY_PARAM_RSA_FACTOR1},
      {"q", &jwk.q, OSSL_PKEY_PARAM_RSA_FACTOR2},
      {"dp", &jwk.dp, OSSL_PKEY_PARAM_RSA_EXPONENT1},
      {"dq", &jwk.dq, OSSL_PKEY_PARAM_RSA_EXPONENT2},
      {"qi", &jwk.qi, OSSL_PKEY_PARAM_RSA_COEFFICIENT1},
  };
  Owned<OSSL_PARAM_BLD> builder(OSSL_PARAM_BLD_new());
  if (!builder) return Internal("OSSL_PARAM_BLD_new failed");
  std::vector<Owned<BIGNUM>> numbers;  // must outlive OSSL_PARAM_BLD_to_param
  for (const Member& m : members) {
    ASSIGN_OR_RETURN(std::string bytes, DecodeUnsignedMember(m.name, *m.value));
    bool secret = std::string_view(m.name) != "n" && std::string_view(m.name) != "e";
    Owned<BIGNUM> bn = ToBignum(bytes, secret);
    OPENSSL_cleanse(bytes.data(), bytes.size());
    if (!bn || OSSL_PARAM_BLD_push_BN(builder.get(), m.param, bn.get()) != 1) {
      return Internal("cannot import RSA member " + std::string(m.name) + ": " + DrainErrors());
    }
    numbers.push_back(std::move(bn));
  }
  ASSIGN_OR_RETURN(Owned<EVP_PKEY> key, KeyFromParams("RSA", builder.get(), EVP_PKEY_KEYPAIR));
  return FromEvpPkey(ShareKey(key.release()));
}

Result<std::string> RsaSigningKey::ToPem() const {
  // Secure-heap memory BIO: the PEM text is wiped when the BIO is freed.
  Owned<BIO> bio(BIO_new(BIO_s_secmem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Internal("cannot encode the private key as PEM: " + DrainErrors());
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  if (len <= 0 || data == nullptr) return Internal("empty PEM output");
  return std::string(data, static_cast<size_t>(len));
}

Status RsaSigningKey::SavePemFile(const std::string& path) const {
  ASSIGN_OR_RETURN(std::string pem, ToPem());
  unsigned char nonce[8];
  if (RAND_bytes(nonce, sizeof nonce) != 1) return Internal("RAND_bytes failed: " + DrainErrors());
  const std::string tmp =
      path + ".tmp-" + HexEncode(std::string_view(reinterpret_cast<char*>(nonce), sizeof nonce));
  // O_EXCL: never write through a file or symlink someone planted at the temporary name.
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    OPENSSL_cleanse(pem.data(), pem.size());
    return Internal("cannot create " + tmp + ": " + std::strerror(errno));
  }
  Status st = WriteAll(fd, pem, tmp);
  OPENSSL_cleanse(pem.data(), pem.size());
  if (st.ok() && ::fchmod(fd, 0600) != 0) {  // in case a default ACL widened the mode
    st = Internal("cannot chmod " + tmp + ": " + std::strerror(errno));
  }
  if (st.ok() && ::fsync(fd) != 0) st = Internal("fsync " + tmp + ": " + std::strerror(errno));
  if (::close(fd) != 0 && st.ok()) st = Internal("close " + tmp + ": " + std::strerror(errno));
  if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    st = Internal("cannot rename " + tmp + " to " + path + ": " + std::strerror(errno));
  }
  if (!st.ok()) ::unlink(tmp.c_str());
  return st;
}

Result<std::string> RsaSigningKey::SignRs256(std::string_view message) const {
  Owned<EVP_MD_CTX> md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  size_t len = 0;
  if (!md ||
      EVP_DigestSignInit_ex(md.get(), &pctx, "SHA256", nullptr, nullptr, key_.get(), nullptr) !=
          1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1 ||
      EVP_DigestSign(md.get(), nullptr, &len, Bytes(message), message.size()) != 1) {
    return Internal("RS256 signing failed: " + DrainErrors());
  }
  std::string signature(len, '\0');
  if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(signature.data()), &len,
                     Bytes(message), message.size()) != 1) {
    return Internal("RS256 signing failed: " + DrainErrors());
  }
  signature.resize(len);
  return signature;
}

// --- JwsVerificationKey --------------------------------------------------------------------

Result<JwsVerificationKey> JwsVerificationKey::FromJwk(const Jwk& jwk) {
  if (!jwk.use.empty() && jwk.use != "sig") {
    return InvalidArgument("JWK \"use\" is \"" + jwk.use.substr(0, 16) + "\", not \"sig\"");
  }
  Owned<OSSL_PARAM_BLD> builder(OSSL_PARAM_BLD_new());
  if (!builder) return Internal("OSSL_PARAM_BLD_new failed");
  if (jwk.kty == "RSA") {
    RETURN_IF_ERROR(CheckAlgMember(jwk, JwsAlgorithm::kRs256));
    ASSIGN_OR_RETURN(std::string n_bytes, DecodeUnsignedMember("n", jwk.n));
    ASSIGN_OR_RETURN(std::string e_bytes, DecodeUnsignedMember("e", jwk.e));
    Owned<BIGNUM> n = ToBignum(n_bytes, false);
    Owned<BIGNUM> e = ToBignum(e_bytes, false);
    if (!n || !e) return Internal("BN_bin2bn failed: " + DrainErrors());
    RETURN_IF_ERROR(CheckRsaBits(BN_num_bits(n.get())));
    if (OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
      return Internal("OSSL_PARAM_BLD_push_BN failed: " + DrainErrors());
    }
    ASSIGN_OR_RETURN(Owned<EVP_PKEY> key, KeyFromParams("RSA", builder.get(), EVP_PKEY_PUBLIC_KEY));
    RETURN_IF_ERROR(CheckKey(key.get(), /*is_private=*/false));
    return JwsVerificationKey(ShareKey(key.release()), jwk, JwsAlgorithm::kRs256);
  }
  if (jwk.kty == "EC") {
    if (jwk.crv != "P-256") {
      return InvalidArgument("JWK curve must be P-256, got \"" + jwk.crv.substr(0, 16) + "\"");
    }
    RETURN_IF_ERROR(CheckAlgMember(jwk, JwsAlgorithm::kEs256));
    ASSIGN_OR_RETURN(std::string x, DecodeMember("x", jwk.x));
    ASSIGN_OR_RETURN(std::string y, DecodeMember("y", jwk.y));
    if (x.size() != kP256CoordinateBytes || y.size() != kP256CoordinateBytes) {
      return InvalidArgument("JWK P-256 coordinates must be 32 octets each, got " +
                             std::to_string(x.size()) + " and " + std::to_string(y.size()));
    }
    std::string point = "\x04" + x + y;  // SEC 1 uncompressed point
    static constexpr char kGroup[] = "prime256v1";
    if (OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, kGroup, 0) !=
            1 ||
        OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) != 1) {
      return Internal("OSSL_PARAM_BLD push failed: " + DrainErrors());
    }
    auto key = KeyFromParams("EC", builder.get(), EVP_PKEY_PUBLIC_KEY);
    if (!key.ok()) return InvalidArgument("JWK P-256 point is not on the curve");
    RETURN_IF_ERROR(CheckKey(key->get(), /*is_private=*/false));
    return JwsVerificationKey(ShareKey(key->release()), jwk, JwsAlgorithm::kEs256);
  }
  return InvalidArgument("unsupported JWK key type \"" + jwk.kty.substr(0, 16) +
                         "\" (RSA and EC are supported)");
}

Status JwsVerificationKey::Verify(JwsAlgorithm alg, std::string_view message,
                                  std::string_view signature) const {
  if (alg != algorithm_) {
    return InvalidArgument("key \"" + jwk_.kid + "\" is " + jwk_.kty + " but the token says " +
                           std::string(JwsAlgorithmName(alg)));
  }
  bool ok = false;
  if (alg == JwsAlgorithm::kRs256) {
    ok = DigestVerify(key_.get(), /*rsa=*/true, message, signature);
  } else if (signature.size() == kEs256SignatureBytes) {
    std::string der = Es256RawToDer(signature);
    ok = !der.empty() && DigestVerify(key_.get(), /*rsa=*/false, message, der);
  }
  if (!ok) return Unauthenticated("signature does not verify");
  return Status::Ok();
}

}  // namespace renkei::crypto
