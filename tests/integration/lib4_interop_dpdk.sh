#!/bin/bash
# lib_interop_dpdk.sh with the libmemif 4.x program (memif4_peer, linked
# with libmemif4) in place of the 3.1 one: DPDK's net_memif in both roles
# and both directions, exact frame counts, chained receive from a DPDK
# client with a small bsize.  Needs root.
cd "$(dirname "$0")/../.." || exit 2
PEER=${PEER4:-build/tests/tools/memif4_peer} exec bash tests/integration/lib_interop_dpdk.sh
