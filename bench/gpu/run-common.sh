# Sourced by the run-*.sh scripts that the GPU machine runs (not run on its
# own), as prepare-common.sh is by the prepare-*.sh ones: sets root (the
# checkout), d (.device, what the prepare scripts built) and out ($OUT, the
# folder whose files come back; created), and defines
#   log_to NAME   from here on, everything the script prints also goes to
#                 $out/NAME.log.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
d="$root/.device"
out="${OUT:-/tmp/vptq-out}"
mkdir -p "$out"
log_to() {
  exec > >(tee "$out/$1.log") 2>&1
}
