//===- main.cpp - Embedding the vptq runtime: one quantized layer ---------===//
//
// Loads a VPTQ checkpoint, runs one of its quantized layers through the
// generated kernel on random activations, and checks the result against the
// reference dequantization that ships with the runtime.
//
//   vptq-embed MODEL_DIR [--layer NAME] [--device cpu|cuda|hip] [--batch N]
//                        [--bundle DIR]
//
//===----------------------------------------------------------------------===//

#include "vptq/Reference/Check.h"
#include "vptq/runtime/VPTQ.h"

#include <chrono>
#include <cstdlib>
#include <iostream>

using namespace vptq;
using namespace vptq::runtime;

static int fail(const std::string &message) {
  std::cerr << "vptq-embed: error: " << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  std::string modelDir, layerName;
  RuntimeOptions options;
  int64_t batch = 4;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--layer")
      layerName = value();
    else if (a == "--device") {
      if (!parseDeviceKind(value(), options.device))
        return fail("--device must be cpu, cuda or hip");
    } else if (a == "--batch")
      batch = std::atoll(value().c_str());
    else if (a == "--bundle")
      options.bundles.push_back(value());
    else if (a == "--help" || a == "-h") {
      std::cout << "usage: vptq-embed MODEL_DIR [--layer NAME] [--device "
                   "cpu|cuda|hip] [--batch N] [--bundle DIR]\n";
      return 0;
    } else if (modelDir.empty() && a[0] != '-')
      modelDir = a;
    else
      return fail("unknown argument '" + a + "'");
  }
  if (modelDir.empty())
    return fail("no model folder given (see --help)");
  if (batch < 1)
    return fail("--batch must be positive");

  // 1. The checkpoint: config.json + safetensors, validated.
  auto checkpoint = Checkpoint::open(modelDir);
  if (!checkpoint)
    return fail(checkpoint.message());
  const checkpoint::ModelConfig &config = (*checkpoint)->config();
  if (layerName.empty())
    for (const checkpoint::LinearModule &m : config.linearModules())
      if (config.quantization && config.quantization->lookup(m.name)) {
        layerName = m.name;
        break;
      }
  if (layerName.empty())
    return fail(modelDir + " has no VPTQ-quantized layer");
  auto layer = (*checkpoint)->loadQuantized(layerName);
  if (!layer)
    return fail(layer.message());

  // 2. The runtime on the chosen device; the layer's kernel comes from a
  //    bundle, the kernel cache, or the in-process compiler.
  auto runtime = Runtime::create(options);
  if (!runtime)
    return fail(runtime.message());
  std::cout << "device: " << (*runtime)->device().describe() << "\n";
  DType act = layer->modelType;
  auto start = std::chrono::steady_clock::now();
  auto linear = QuantLinear::create(*runtime, *layer, act);
  if (!linear)
    return fail(linear.message());
  double setupMs = std::chrono::duration<double, std::milli>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  const ref::LayerConfig &c = linear->config();
  std::cout << "layer " << layerName << ": " << c.outFeatures << " x "
            << c.inFeatures << ", kernel from "
            << kernelOriginName(linear->kernel().origin()) << " (" << setupMs
            << " ms)\n";

  // 3. y = x W^T on random activations.
  std::vector<float> x =
      ref::randomFloats(batch * c.inFeatures, 42, -1, 1, act);
  auto input =
      (*runtime)->upload(ref::encodeFloats(x, {batch, c.inFeatures}, act));
  if (!input)
    return fail(input.message());
  auto output = (*linear)(*input);
  if (!output)
    return fail(output.message());
  auto y = (*runtime)->download(*output);
  if (!y)
    return fail(y.message());

  // 4. Against the reference.
  ref::QuantizedLinear reference;
  if (std::string err = ref::decodeLayer(c, layer->tensors, reference);
      !err.empty())
    return fail(err);
  std::vector<float> yf(y->numElements());
  for (size_t i = 0; i < yf.size(); ++i)
    yf[i] = y->floatAt(int64_t(i));
  ref::CheckResult check = ref::checkLinearOutput(reference, x, batch, yf, act);
  std::cout << "y[0, 0:4] = " << yf[0] << " " << yf[1] << " " << yf[2] << " "
            << yf[3] << "\n"
            << "reference check: " << check.summary() << "\n";
  return check.ok() ? 0 : 1;
}
