//===- TextLimits.h - Limits checked on text before it is parsed -*- C++ -*-===//
//
// Limits the tools check on their text inputs before handing them to a
// parser that would otherwise fail without a message: MLIR's parser
// recurses once per nested bracket, so a file of 100,000 '(' overflows the
// stack of vptq-opt (found by the dialect fuzzer). Plain C++.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_SUPPORT_TEXTLIMITS_H
#define VPTQ_SUPPORT_TEXTLIMITS_H

#include <cstddef>
#include <string>
#include <string_view>

namespace vptq::support {

/// The deepest bracket nesting accepted in IR text: far past real IR (a few
/// dozen levels), far below what overflows a parser's stack.
inline constexpr size_t kMaxIRNesting = 256;

/// "" when brackets ( [ { < nest at most `limit` deep in `text`, outside
/// string literals and // comments; otherwise "line L, column C: brackets
/// nest more than LIMIT deep". Unbalanced closing brackets are the parser's
/// business and are not reported.
std::string checkNestingDepth(std::string_view text,
                              size_t limit = kMaxIRNesting);

} // namespace vptq::support

#endif // VPTQ_SUPPORT_TEXTLIMITS_H
