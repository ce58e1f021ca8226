//===- DynamicLibrary.h - Resolving driver entry points ---------*- C++ -*-===//
//
// Internal to the runtime: GPU drivers (libcuda, libamdhip64) are opened
// with dlopen and their entry points resolved into tables of pointers.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_RUNTIME_LIB_DYNAMICLIBRARY_H
#define VPTQ_RUNTIME_LIB_DYNAMICLIBRARY_H

#include <dlfcn.h>

#include <string>

namespace vptq::runtime::detail {

/// Resolves `symbol` of `library` into `slot`; records the first symbol
/// that is missing in `missing`.
template <typename Fn>
void resolveSymbol(void *library, const char *symbol, Fn &slot,
                   std::string &missing) {
  slot = reinterpret_cast<Fn>(dlsym(library, symbol));
  if (!slot && missing.empty())
    missing = symbol;
}

} // namespace vptq::runtime::detail

#endif // VPTQ_RUNTIME_LIB_DYNAMICLIBRARY_H
