#!/bin/bash
# memifd under valgrind memcheck, for the integration tests:
#   MEMIFD=$PWD/tests/valgrind-memifd.sh bash tests/integration/daemon_pair.sh
# (make memcheck runs them all).  Any invalid access or definite leak
# makes memifd exit 99, which the tests' finish() reports as a failure.
cd "$(dirname "$0")/.." || exit 2
exec valgrind -q --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --track-fds=no \
    --log-file="${VALGRIND_LOG:-/tmp/memifd-valgrind.%p.log}" \
    build/memifd "$@"
