//===- JSONInts.h - Integers read from JSON without undefined behaviour ---===//
//
// nlohmann::json converts a stored float to an integer with a plain cast,
// which is undefined for values such as 1e300. Manifests, cache entries and
// tuning databases read their integers through these instead: a value that
// is not an integer in range throws, naming the key, and the parser turns
// that into its error message.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_LIB_ABI_JSONINTS_H
#define VPTQ_LIB_ABI_JSONINTS_H

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace vptq::detail {

/// `value` as a T, or an exception naming `key`.
template <typename T = int64_t>
T jsonInt(const nlohmann::json &value, const std::string &key) {
  bool ok = false;
  if (value.is_number_unsigned())
    ok = value.get<uint64_t>() <= uint64_t(std::numeric_limits<T>::max());
  else if (value.is_number_integer())
    ok = value.get<int64_t>() >= int64_t(std::numeric_limits<T>::min()) &&
         value.get<int64_t>() <= int64_t(std::numeric_limits<T>::max());
  if (!ok)
    throw std::runtime_error("'" + key + "' must be an integer, got " +
                             value.dump());
  return T(value.get<int64_t>());
}

/// `object[key]` as an integer; throws when missing or not an integer.
inline int64_t jsonIntAt(const nlohmann::json &object, const char *key) {
  auto it = object.find(key);
  if (it == object.end())
    throw std::runtime_error(std::string("missing key '") + key + "'");
  return jsonInt(*it, key);
}

/// `object[key]` as an integer, or `fallback` when missing.
inline int64_t jsonIntOr(const nlohmann::json &object, const char *key,
                         int64_t fallback) {
  auto it = object.find(key);
  return it == object.end() ? fallback : jsonInt(*it, key);
}

/// `object[key]` as a list of integers.
inline std::vector<int64_t> jsonIntsAt(const nlohmann::json &object,
                                       const char *key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_array())
    throw std::runtime_error(std::string("'") + key +
                             "' must be a list of integers");
  std::vector<int64_t> out;
  for (const nlohmann::json &v : *it)
    out.push_back(jsonInt(v, key));
  return out;
}

} // namespace vptq::detail

#endif // VPTQ_LIB_ABI_JSONINTS_H
