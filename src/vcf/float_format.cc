#include "vcf/float_format.h"

#include <htslib/kstring.h>

namespace renkei {
namespace {

struct KString {
  kstring_t s = KS_INITIALIZE;
  ~KString() { ks_free(&s); }
};

}  // namespace

void AppendVcfFloat(float value, std::string* out) {
  thread_local KString buf;
  buf.s.l = 0;
  kputd(static_cast<double>(value), &buf.s);
  out->append(buf.s.s, buf.s.l);
}

}  // namespace renkei
