#!/usr/bin/env bash
# GPU machine: checks every tensor-core kernel of prepare-mma.sh against the
# reference on fresh random inputs (every output element) at batches that
# fill, straddle and overrun the batch tiles, and times them.
REPS="${REPS:-10}" exec bash "$(dirname "${BASH_SOURCE[0]}")/run-bundle-checks.sh" mma 1,4,16,37,64,256
