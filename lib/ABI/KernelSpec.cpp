//===- KernelSpec.cpp - What a generated kernel computes and takes --------===//

#include "vptq/ABI/KernelSpec.h"

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
  os << "-b" << batch << "-t" << blockRows << "x" << warpsPerRow << "x"
     << batchTile << "x" << kChunk;
  if (!centroidsPlacement.empty() || !resCentroidsPlacement.empty())
    os << "-p" << centroidsPlacement << "," << resCentroidsPlacement;
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
  if (c.bias)
    args.push_back({"bias", spec.model, {c.outFeatures}});
  args.push_back({"output", spec.activation, {batch, c.outFeatures}});
  return args;
}
