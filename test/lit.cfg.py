# -*- Python -*-
# Lit configuration of the vptq-mlir regression tests.

import os

import lit.formats
from lit.llvm import llvm_config

config.name = "VPTQ"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "CMakeLists.txt", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.vptq_obj_root, "test")

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
config.substitutions.append(("%vptq_shared_dir", config.vptq_shared_dir))
config.substitutions.append(("%vptq_src_root", config.vptq_src_root))

tool_dirs = [config.vptq_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(
    ["vptq-opt", "vptq-objdump", "vptq-compile", "vptq-run", "vptq-convert",
     "vptq-checkpoint", "vptq-quantize", "vptq-quantize-aot", "vptq-run-aot",
     "vptq-tune"], tool_dirs)
# Kernels the runtime compiles go to a cache of the test tree.
config.environment["VPTQ_CACHE_DIR"] = os.path.join(config.test_exec_root,
                                                    "kernel-cache")

# ptxas (CUDA toolkit) is needed to assemble cubins; PTX needs nothing.
cuda_root = os.environ.get("CUDA_ROOT", "/usr/local/cuda")
if os.access(os.path.join(cuda_root, "bin", "ptxas"), os.X_OK):
    config.available_features.add("ptxas")

# A real full disk for the fault tests: a small tmpfs mounted in a private
# mount namespace, which needs root (CI and the development machines are).
import subprocess
try:
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True, timeout=20)
    if probe.returncode == 0:
        config.available_features.add("tmpfs")
except (OSError, subprocess.SubprocessError):
    pass
