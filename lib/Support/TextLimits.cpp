//===- TextLimits.cpp - Limits checked on text before it is parsed --------===//

#include "vptq/Support/TextLimits.h"

std::string vptq::support::checkNestingDepth(std::string_view text,
                                             size_t limit) {
  size_t depth = 0, line = 1, column = 0;
  bool inString = false, inComment = false, escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    char prev = i > 0 ? text[i - 1] : '\0';
    char next = i + 1 < text.size() ? text[i + 1] : '\0';
    ++column;
    if (c == '\n') {
      ++line;
      column = 0;
      inComment = false;
      continue;
    }
    if (inComment)
      continue;
    if (inString) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        inString = false;
      continue;
    }
    bool opens = c == '(' || c == '[' || c == '{' || (c == '<' && next != '=');
    // '->', '>=' are no brackets.
    bool closes = c == ')' || c == ']' || c == '}' ||
                  (c == '>' && prev != '-' && next != '=');
    if (c == '"') {
      inString = true;
    } else if (c == '/' && prev == '/') {
      inComment = true;
    } else if (opens) {
      if (++depth > limit)
        return "line " + std::to_string(line) + ", column " +
               std::to_string(column) + ": brackets nest more than " +
               std::to_string(limit) + " deep";
    } else if (closes && depth > 0) {
      // Stray closers are the parser's to report.
      --depth;
    }
  }
  return {};
}
