#!/bin/bash
# The memifd integration tests once with memifd under valgrind memcheck
# (make memcheck).  A test fails if memifd reports an invalid access or a
# definite leak (valgrind exits 99, which finish() catches).  Slow: not
# part of make test.  Valgrind's own reports stay in build/memcheck/.
cd "$(dirname "$0")/.." || exit 2
command -v valgrind >/dev/null || { echo "valgrind not installed"; exit 77; }
mkdir -p build/memcheck && rm -f build/memcheck/*
pass=0 fail=0
for t in tests/integration/daemon_*.sh tests/integration/reliability_*.sh; do
    name=$(basename "$t" .sh)
    if MEMIFD=$PWD/tests/valgrind-memifd.sh VALGRIND_LOG=$PWD/build/memcheck/$name.%p.log \
        timeout 1200 bash "$t" >"build/memcheck/$name.out" 2>&1; then
        pass=$((pass + 1)); echo "  PASS  memcheck/$name"
    else
        fail=$((fail + 1)); echo "  FAIL  memcheck/$name (build/memcheck/$name.*)"
        tail -5 "build/memcheck/$name.out" | sed 's/^/        | /'
    fi
done
echo "memcheck: $pass passed, $fail failed"
[ $fail = 0 ]
