/*
 * test_v4_hostile.c - test_hostile.c against libmemif4: every malformed
 * message, fd, ring and descriptor a hostile peer sends is refused by a
 * 4.x interface as by a 3.1 one, while a good pair keeps working.
 */
#include "loopback4.h"

#include "test_hostile.c"
