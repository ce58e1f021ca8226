//===- KernelSpec.cpp - What a generated kernel computes and takes --------===//

#include "vptq/ABI/KernelSpec.h"
#include "vptq/ABI/ModelKernels.h"
#include "vptq/Reference/Sharding.h"

#include <algorithm>
#include <cmath>
#include <sstream>

using namespace vptq;

std::string LinearSpec::key() const {
  const ref::LayerConfig &c = config;
  std::ostringstream os;
  if (dense) {
    os << "dense-in" << c.inFeatures << "-out" << c.outFeatures
       << (c.bias ? "-bias" : "");
  } else {
    os << "in" << c.inFeatures << "-out" << c.outFeatures << "-v" << c.vectorLen
       << "-k" << c.numCentroids << "-kr" << c.numResCentroids << "-nc"
       << c.numCodebooks << "-gs" << c.groupSize << "-os" << c.outlierSize
       << "-vo" << c.outlierVectorLen << "-ko" << c.numOutlierCentroids << "-ib"
       << c.indexBits << "-rb" << c.resIndexBits << (c.packed ? "-packed" : "")
       << (c.enablePerm ? "-perm" : "") << (c.enableNorm ? "-norm" : "")
       << (c.bias ? "-bias" : "");
  }
  os << "-act" << ref::dtypeName(activation) << "-model"
     << ref::dtypeName(model);
  if (!dense)
    os << "-idx" << ref::dtypeName(indexStorage) << "-permty"
       << ref::dtypeName(permStorage);
  os << "-b" << batch;
  if (batchHint > 0)
    os << "-h" << batchHint;
  os << "-t" << blockRows << "x" << warpsPerRow << "x"
     << batchTile << "x" << kChunk;
  if (mma >= 0)
    os << "-mma" << mma;
  if (persistentBlocks >= 0)
    os << "-pb" << persistentBlocks;
  if (sharedWeights >= 0)
    os << "-sw" << sharedWeights;
  if (stagedInputs >= 0)
    os << "-si" << stagedInputs;
  if (registerWgmma >= 0)
    os << "-rw" << registerWgmma;
  if (!centroidsPlacement.empty() || !resCentroidsPlacement.empty())
    os << "-p" << centroidsPlacement << "," << resCentroidsPlacement;
  if (!dense && codebookShards >= 0)
    os << "-cs" << codebookShards;
  if (gatedInput)
    os << "-gated";
  if (form == LinearForm::Decomposed)
    os << "-decomposed";
  else if (form == LinearForm::DecomposedUnpacked)
    os << "-decomposed-unpacked";
  return os.str();
}

LinearSpec vptq::makeDenseSpec(int64_t inFeatures, int64_t outFeatures,
                               bool bias, ref::DType activation,
                               ref::DType model) {
  LinearSpec spec;
  spec.dense = true;
  spec.config.inFeatures = inFeatures;
  spec.config.outFeatures = outFeatures;
  spec.config.bias = bias;
  spec.activation = activation;
  spec.model = model;
  return spec;
}

std::vector<KernelArg> vptq::getKernelArguments(const LinearSpec &spec) {
  const ref::LayerConfig &c = spec.config;
  int64_t nc = c.numCodebooks, ni = c.numIndexRows();
  int64_t batch = spec.batch > 0 ? spec.batch : -1;
  std::vector<KernelArg> args;
  args.push_back({"input", spec.activation, {batch, c.inFeatures}});
  if (spec.gatedInput)
    args.push_back({"gate", spec.activation, {batch, c.inFeatures}});
  if (spec.dense) {
    args.push_back({"weight", spec.model, {c.outFeatures, c.inFeatures}});
    if (c.bias)
      args.push_back({"bias", spec.model, {c.outFeatures}});
    args.push_back({"output", spec.activation, {batch, c.outFeatures}});
    return args;
  }
  if (c.packed)
    args.push_back(
        {"indices", ref::DType::I32, {nc, ni, c.packedWordsPerRow()}});
  else
    args.push_back({"indices", spec.indexStorage, {nc, ni, c.groupSize}});
  if (c.hasResidual() && !c.packed)
    args.push_back({"res_indices", spec.indexStorage, {nc, ni, c.groupSize}});
  args.push_back({"centroids", spec.model, {nc, c.numCentroids * c.vectorLen}});
  if (c.hasResidual())
    args.push_back(
        {"res_centroids", spec.model, {nc, c.numResCentroids * c.vectorLen}});
  if (c.hasOutliers()) {
    args.push_back({"outlier_indices",
                    ref::DType::I16,
                    {1, c.numOutlierIndexRows(), c.outlierSize}});
    args.push_back({"outlier_centroids",
                    spec.model,
                    {1, c.numOutlierCentroids * c.outlierVectorLen}});
  }
  if (c.enablePerm)
    args.push_back({"perm", spec.permStorage, {c.inFeatures}});
  if (c.enableNorm) {
    args.push_back({"weight_scale", spec.model, {c.inFeatures}});
    args.push_back({"weight_bias", spec.model, {c.inFeatures}});
  }
  if (spec.codebookShards > 1) {
    args.push_back({"shard_entries", ref::DType::I32, {kAnySize}});
    args.push_back(
        {"shard_offsets", ref::DType::I32, {spec.codebookShards, ni + 1}});
  }
  if (c.bias)
    args.push_back({"bias", spec.model, {c.outFeatures}});
  args.push_back({"output", spec.activation, {batch, c.outFeatures}});
  return args;
}

bool vptq::isDerivedKernelArg(const std::string &name) {
  return name == "shard_entries" || name == "shard_offsets";
}

std::string
vptq::makeDerivedKernelArgs(const ref::LayerConfig &config,
                            const ref::LayerTensors &tensors,
                            const std::vector<KernelArg> &args,
                            std::map<std::string, ref::HostTensor> &out) {
  auto offsets = std::find_if(args.begin(), args.end(), [](const KernelArg &a) {
    return a.name == "shard_offsets";
  });
  if (offsets == args.end() || offsets->shape.empty())
    return "";
  const int64_t shards = offsets->shape[0];
  if (std::string err =
          ref::shardIndices(config, tensors, shards, out["shard_entries"],
                            out["shard_offsets"]);
      !err.empty())
    return "cannot lay out indices for " + std::to_string(shards) +
           " codebook shards: " + err;
  return "";
}

bool vptq::kernelArgsFit(const LinearSpec &spec,
                         const std::vector<KernelArg> &kernel) {
  auto same = [](const KernelArg &a, const KernelArg &b) {
    return a.name == b.name && a.dtype == b.dtype && a.shape == b.shape;
  };
  std::vector<KernelArg> expected = getKernelArguments(spec);
  std::vector<KernelArg> given;
  for (const KernelArg &arg : kernel)
    if (spec.dense || spec.codebookShards >= 0 || !isDerivedKernelArg(arg.name))
      given.push_back(arg);
  return std::equal(expected.begin(), expected.end(), given.begin(),
                    given.end(), same);
}

const std::vector<std::string> &vptq::getTransformerOpNames() {
  static const std::vector<std::string> names = {
      "rms_norm",    "add_rms_norm",     "rotary",   "rotary_append",
      "attention",   "rotary_attention", "silu_mul", "add",
      "gather_rows", "scatter_rows",     "nearest",  "gram"};
  return names;
}

/// vptq.rms_norm and vptq.add_rms_norm: a norm weight and an epsilon.
static bool isNorm(const std::string &op) {
  return op == "rms_norm" || op == "add_rms_norm";
}

std::string OpSpec::key() const {
  std::ostringstream os;
  os.precision(17);
  os << op << "-w" << width << "-" << ref::dtypeName(dtype);
  if (isNorm(op))
    os << "-param" << ref::dtypeName(paramType) << "-eps" << epsilon;
  else if (op == "rotary")
    os << "-hd" << headDim;
  else if (op == "rotary_append")
    os << "-cache" << ref::dtypeName(paramType) << "-h" << numHeads << "-kv"
       << numKVHeads << "-hd" << headDim;
  else if (op == "attention" || op == "rotary_attention")
    os << "-cache" << ref::dtypeName(paramType) << "-h" << numHeads << "-kv"
       << numKVHeads << "-hd" << headDim << "-scale" << scale;
  else if (op == "gather_rows" || op == "scatter_rows")
    os << "-table" << ref::dtypeName(paramType);
  return os.str();
}

std::string OpSpec::verify() const {
  const std::vector<std::string> &names = getTransformerOpNames();
  if (std::find(names.begin(), names.end(), op) == names.end()) {
    std::string list;
    for (const std::string &n : names)
      list += (list.empty() ? "" : ", ") + n;
    return "unknown op '" + op + "' (expected one of " + list + ")";
  }
  if (!ref::isFloat(dtype) || !ref::isFloat(paramType))
    return op + ": element types must be F16, BF16 or F32";
  if ((op == "nearest" || op == "gram") && dtype != ref::DType::F32)
    return op + ": works on F32 only";
  if (width <= 0)
    return op + ": width must be positive";
  if (isNorm(op) && epsilon <= 0)
    return op + ": epsilon must be positive";
  if (op == "rotary" && (headDim <= 0 || headDim % 2 || width % headDim))
    return "rotary: head_dim must be positive, even and divide the width";
  if (op == "rotary_append" &&
      (numHeads <= 0 || numKVHeads <= 0 || headDim <= 0 || headDim % 2 ||
       width != numHeads * headDim))
    return "rotary_append: needs positive num_heads and num_kv_heads, an even "
           "positive head_dim and width = num_heads x head_dim";
  if (op == "attention" &&
      (numHeads <= 0 || numKVHeads <= 0 || headDim <= 0 ||
       numHeads % numKVHeads || width != numHeads * headDim || scale <= 0))
    return "attention: needs num_heads a multiple of num_kv_heads, width = "
           "num_heads x head_dim and a positive scale";
  if (op == "rotary_attention" &&
      (numHeads <= 0 || numKVHeads <= 0 || headDim <= 0 || headDim % 2 ||
       numHeads % numKVHeads || width != numHeads * headDim || scale <= 0))
    return "rotary_attention: needs num_heads a multiple of num_kv_heads, an "
           "even positive head_dim, width = num_heads x head_dim and a "
           "positive scale";
  return {};
}

std::vector<KernelArg> vptq::getKernelArguments(const OpSpec &s) {
  const int64_t rows = -1, any = kAnySize, w = s.width;
  const ref::DType i32 = ref::DType::I32, f32 = ref::DType::F32;
  if (s.op == "rms_norm")
    return {{"input", s.dtype, {rows, w}},
            {"weight", s.paramType, {w}},
            {"output", s.dtype, {rows, w}}};
  if (s.op == "add_rms_norm")
    return {{"residual", s.dtype, {rows, w}},
            {"delta", s.dtype, {rows, w}},
            {"weight", s.paramType, {w}},
            {"output", s.dtype, {rows, w}}};
  if (s.op == "rotary")
    return {{"input", s.dtype, {rows, w}},
            {"positions", i32, {rows}},
            {"inv_freq", f32, {s.headDim / 2}},
            {"output", s.dtype, {rows, w}}};
  if (s.op == "rotary_append" || s.op == "rotary_attention") {
    int64_t kv = s.numKVHeads * s.headDim;
    std::vector<KernelArg> args = {{"query", s.dtype, {rows, w}},
                                   {"key", s.dtype, {rows, kv}},
                                   {"value", s.dtype, {rows, kv}},
                                   {"positions", i32, {rows}},
                                   {"inv_freq", f32, {s.headDim / 2}},
                                   {"key_cache", s.paramType, {any, kv}},
                                   {"value_cache", s.paramType, {any, kv}}};
    // rotary_attention: rotary_append's, then attention's output.
    if (s.op == "rotary_attention")
      args.push_back({"output", s.dtype, {rows, w}});
    return args;
  }
  if (s.op == "attention") {
    int64_t kv = s.numKVHeads * s.headDim;
    return {{"query", s.dtype, {rows, w}},
            {"key_cache", s.paramType, {any, kv}},
            {"value_cache", s.paramType, {any, kv}},
            {"positions", i32, {rows}},
            {"output", s.dtype, {rows, w}}};
  }
  if (s.op == "silu_mul")
    return {{"gate", s.dtype, {rows, w}},
            {"up", s.dtype, {rows, w}},
            {"output", s.dtype, {rows, w}}};
  if (s.op == "add")
    return {{"lhs", s.dtype, {rows, w}},
            {"rhs", s.dtype, {rows, w}},
            {"output", s.dtype, {rows, w}}};
  if (s.op == "gather_rows")
    return {{"table", s.paramType, {any, w}},
            {"indices", i32, {rows}},
            {"output", s.dtype, {rows, w}}};
  if (s.op == "scatter_rows")
    return {{"input", s.dtype, {rows, w}},
            {"indices", i32, {rows}},
            {"output", s.paramType, {any, w}}};
  if (s.op == "nearest")
    return {{"points", f32, {rows, w}},
            {"centroids", f32, {any, w}},
            {"indices", i32, {rows}},
            {"distances", f32, {rows}}};
  if (s.op == "gram")
    return {{"input", f32, {rows, w}}, {"hessian", f32, {w, w}}};
  return {};
}

DecoderOpSpecs vptq::getDecoderOpSpecs(const checkpoint::ModelArchitecture &a,
                                       ref::DType act, ref::DType normType,
                                       ref::DType embedType) {
  const int64_t qWidth = a.numHeads * a.headDim;
  DecoderOpSpecs s;
  s.gather = {"gather_rows", act, embedType, a.hiddenSize};
  s.norm = {"rms_norm", act, normType, a.hiddenSize};
  s.norm.epsilon = a.rmsNormEps;
  s.rotaryAppend = {"rotary_append", act,          act,      qWidth,
                    a.numHeads,      a.numKVHeads, a.headDim};
  s.attention = {"attention", act,          act,      qWidth,
                 a.numHeads,  a.numKVHeads, a.headDim};
  s.attention.scale = 1.0 / std::sqrt(double(a.headDim));
  s.rotaryAttention = s.attention;
  s.rotaryAttention.op = "rotary_attention";
  s.siluMul = {"silu_mul", act, act, a.intermediateSize};
  s.addNorm = s.norm;
  s.addNorm.op = "add_rms_norm";
  return s;
}
