//===- CheckTest.cpp - the reference check of layer outputs ---------------===//

#include "vptq/Reference/Check.h"

#include <cmath>
#include <gtest/gtest.h>

using namespace vptq::ref;

namespace {

// y = x W^T + bias for W = [[1, 2], [3, -4], [0.5, 0]], bias = [1, 0, -1]
// and two rows of x.
const std::vector<float> kW = {1, 2, 3, -4, 0.5f, 0};
const std::vector<float> kBias = {1, 0, -1};
const std::vector<float> kX = {1, 1, 2, -1};

TEST(Check, ReferenceIsExactAndKeepsTermMagnitudes) {
  DenseReference ref = computeDenseReference(kW, kBias, 2, 3, kX, 2);
  ASSERT_EQ(ref.batch, 2);
  ASSERT_EQ(ref.out, 3);
  EXPECT_EQ(ref.want, (std::vector<double>{4, -1, -0.5, 1, 10, 0}));
  // |bias| + sum |x_j w_j|.
  EXPECT_EQ(ref.scale, (std::vector<double>{4, 7, 1.5, 5, 10, 2}));
}

TEST(Check, EveryElementIsCheckedAndTheFirstFailureReported) {
  DenseReference ref = computeDenseReference(kW, kBias, 2, 3, kX, 2);
  std::vector<float> y = {4, -1, -0.5f, 1, 10, 0};
  CheckResult good = checkAgainstReference(ref, y, DType::F16);
  EXPECT_TRUE(good.ok());
  EXPECT_EQ(good.checked, 6);
  // Off by 1 % at elements 4 and 2: both fail the f16 tolerance, the
  // first in memory order is reported.
  y[4] = 10.1f;
  y[2] = -0.505f;
  CheckResult bad = checkAgainstReference(ref, y, DType::F16);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.failures, 2);
  EXPECT_EQ(bad.firstBad, 2);
  EXPECT_FLOAT_EQ(bad.firstGot, -0.505f);
  EXPECT_EQ(bad.firstWant, -0.5);
  // A NaN never passes.
  y = {4, -1, -0.5f, 1, 10, std::nanf("")};
  EXPECT_EQ(checkAgainstReference(ref, y, DType::F32).firstBad, 5);
  // checkDenseOutput is the two steps in one.
  EXPECT_EQ(checkDenseOutput(kW, kBias, 2, 3, kX, 2, y, DType::F32).failures,
            1);
}

} // namespace
