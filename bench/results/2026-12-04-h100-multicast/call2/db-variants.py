# Tuning-database variants of calls 2 and 3 (measurement only): the
# committed bench/tuning/h100.json (at f743649) with the batch-1 tiling of
# one or more 7B v8-k4096 perm + norm layers replaced; written to
# /tmp/mc/db-NAME.json and compiled with vptq-compile --tuning.
import copy, json
d = json.load(open('bench/tuning/h100.json'))
G = 'in4096-out11008-v8-k4096-kr0'   # gate, up
Q = 'in4096-out4096-v8-k4096-kr0'    # q, k, v, o
D = 'in11008-out4096-v8-k4096-kr0'   # down
def variant(mods):
    dd = copy.deepcopy(d)
    for prefix, tiling in mods:
        [e] = [e for e in dd['entries'] if e['batch'] == 1 and
               e['layer'].startswith(prefix) and '-perm-norm-' in e['layer']]
        e['tiling'].update(tiling)
    return dd
g132 = (G, dict(persistent_blocks=132))
q4x8 = (Q, dict(block_rows=4, warps_per_row=8, k_chunk=4096))
variants = {
    # call 2
    'g132': [g132],
    'g0': [(G, dict(persistent_blocks=0))],
    'g8x4': [(G, dict(block_rows=8, warps_per_row=4, k_chunk=1024, persistent_blocks=0))],
    'q2x8': [(Q, dict(block_rows=2, warps_per_row=8, k_chunk=2048))],
    'q8x2': [(Q, dict(block_rows=8, warps_per_row=2, k_chunk=1024))],
    'q4x8': [q4x8],
    # call 3
    'A': [g132, q4x8],
    'C': [g132, q4x8, (D, dict(block_rows=2, warps_per_row=16, k_chunk=11264))],
    'D': [g132, (Q, dict(block_rows=8, warps_per_row=4, k_chunk=4096))],
    'G': [(G, dict(block_rows=8, warps_per_row=4, k_chunk=1024, persistent_blocks=132)), q4x8],
    'H': [(G, dict(persistent_blocks=96)), q4x8],
}
for name, mods in variants.items():
    json.dump(variant(mods), open(f'/tmp/mc/db-{name}.json', 'w'), indent=2)
