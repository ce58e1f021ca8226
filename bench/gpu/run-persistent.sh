#!/usr/bin/env bash
# GPU machine: checks every kernel of prepare-persistent.sh against the
# reference on fresh random inputs (every output element) at batches 1, 3
# (batch tiles of 1) and 37, and times them.
exec bash "$(dirname "${BASH_SOURCE[0]}")/run-bundle-checks.sh" persistent 1,3,37
