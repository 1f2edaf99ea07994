// Number formatting identical to htslib's VCF writer, so that renkei's VCF/TSV output of AF
// equals bcftools' to the last digit (htslib rounds half up where printf("%g") rounds half to
// even: 1/512 prints as 0.00195313, not 0.00195312).
#pragma once

#include <string>

namespace renkei {

// Appends `value` as htslib's kputd prints a VCF Float. Thread-safe.
void AppendVcfFloat(float value, std::string* out);

}  // namespace renkei
