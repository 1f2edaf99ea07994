#include "cohort/sample_mask.h"

#include <gtest/gtest.h>

namespace renkei {
namespace {

TEST(SampleMask, SizesAndHighBits) {
  EXPECT_EQ(MaskWords(0), 0u);
  EXPECT_EQ(MaskWords(1), 1u);
  EXPECT_EQ(MaskWords(64), 1u);
  EXPECT_EQ(MaskWords(65), 2u);
  EXPECT_EQ(FullMask(64), SampleMask{~uint64_t{0}});
  EXPECT_EQ(FullMask(3), SampleMask{7});
  EXPECT_EQ(CountBits(FullMask(100)), 100u);
  SampleMask m = EmptyMask(70);
  SetBit(m, 0);
  SetBit(m, 69);
  EXPECT_TRUE(TestBit(m, 69));
  EXPECT_FALSE(TestBit(m, 68));
  NotInPlace(m, 70);
  EXPECT_EQ(CountBits(m), 68u);
  EXPECT_EQ(m[1], uint64_t{0b11111});  // bits 64..68 set, 69 cleared, 70.. unused
}

TEST(SampleMask, AndOr) {
  SampleMask a = {0b1100};
  SampleMask b = {0b1010};
  SampleMask c = a;
  AndInPlace(c, b);
  EXPECT_EQ(c, SampleMask{0b1000});
  OrInPlace(a, b);
  EXPECT_EQ(a, SampleMask{0b1110});
}

}  // namespace
}  // namespace renkei
