//===- TextLimitsTest.cpp - Nesting limits on text inputs -----------------===//

#include "vptq/Support/TextLimits.h"

#include <gtest/gtest.h>

using vptq::support::checkNestingDepth;

namespace {

TEST(NestingDepth, CountsBracketsOutsideStringsAndComments) {
  EXPECT_EQ(checkNestingDepth("((()))", 3), "");
  EXPECT_EQ(checkNestingDepth("(([{<>}]))", 4),
            "line 1, column 5: brackets nest more than 4 deep");
  EXPECT_EQ(checkNestingDepth("a\n  ((((", 3),
            "line 2, column 6: brackets nest more than 3 deep");
  // Brackets in strings and comments do not count.
  EXPECT_EQ(checkNestingDepth("\"((((\\\"((((\" // ((((\n()", 1), "");
  // '->' and '>=' close nothing, '<=' opens nothing.
  EXPECT_EQ(checkNestingDepth("(a) -> (b) -> (c)", 1), "");
  EXPECT_EQ(checkNestingDepth("<(x >= 0)>", 2), "");
  EXPECT_EQ(checkNestingDepth("((-> ((->", 3),
            "line 1, column 7: brackets nest more than 3 deep");
  EXPECT_EQ(checkNestingDepth("x <= y", 0), "");
  // Stray closers are left to the parser.
  EXPECT_EQ(checkNestingDepth(")))(((", 3), "");
  EXPECT_EQ(checkNestingDepth(std::string(100000, '('), 256),
            "line 1, column 257: brackets nest more than 256 deep");
}

} // namespace
