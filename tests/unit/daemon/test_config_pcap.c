/* test_config_pcap.c - the pcap-live and pcap-file host options: defaults,
 * every check, equality and conflicts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "config.h"

/* Parses one bridge whose "host" object is host (JSON text, may have
 * "memif" extras); returns the number of errors, first one in first. */
static size_t parse(const char *host, const char *memif, struct bridge_conf *bc,
		    char *first, size_t len)
{
	struct config_errors e = { 0 };
	char text[2048];
	json_t *obj;
	size_t n;

	snprintf(text, sizeof(text), "{\"name\": \"b0\", \"memif\": {%s}, "
		 "\"host\": %s}", memif ? memif : "", host);
	obj = json_loads(text, 0, NULL);
	assert_non_null(obj);
	config_parse_bridge(obj, bc, &e);
	json_decref(obj);
	n = e.n;
	snprintf(first, len, "%s", n ? e.msgs[0] : "");
	if (n > 1)
		fprintf(stderr, "  (%zu errors, first: %s)\n", n, first);
	config_errors_fini(&e);
	return n;
}

static void expect_error(const char *host, const char *needle)
{
	struct bridge_conf bc;
	char msg[512];

	if (parse(host, NULL, &bc, msg, sizeof(msg)) != 1 || !strstr(msg, needle)) {
		fprintf(stderr, "host %s: expected \"%s\", got \"%s\"\n", host,
			needle, msg);
		fail();
	}
}

static void file_defaults(void **state)
{
	struct bridge_conf bc;
	char msg[512];

	(void)state;
	assert_int_equal(parse("{\"type\": \"pcap-file\", \"read\": \"/r.pcap\"}",
			       NULL, &bc, msg, sizeof(msg)), 0);
	assert_int_equal(bc.host.htype, HT_PCAP_FILE);
	assert_string_equal(bc.host.type, "pcap-file");
	assert_string_equal(bc.host.name, ""); /* no device */
	assert_int_equal(bc.host.timing, RT_FAST);
	assert_int_equal(bc.host.loop, 1);
	assert_int_equal(parse("{\"type\": \"pcap-file\", \"read\": \"/r\", "
			       "\"pps\": 1000, \"loop\": 0}", NULL, &bc, msg,
			       sizeof(msg)), 0);
	assert_int_equal(bc.host.timing, RT_PPS);
	assert_int_equal(bc.host.rate, 1000);
	assert_int_equal(bc.host.loop, 0);
	assert_int_equal(parse("{\"type\": \"pcap-file\", \"write\": \"/w\", "
			       "\"max_bytes\": 1000000, \"keep_files\": 3}", NULL, &bc,
			       msg, sizeof(msg)), 0);
	assert_int_equal(bc.host.max_bytes, 1000000);
	assert_int_equal(bc.host.keep_files, 3);
}

static void file_checks(void **state)
{
	(void)state;
	expect_error("{\"type\": \"pcap-file\"}", "needs read, write or both");
	expect_error("{\"type\": \"pcap-file\", \"read\": \"r.pcap\"}",
		     "host.read: must be an absolute path");
	expect_error("{\"type\": \"pcap-file\", \"read\": \"/a\", \"write\": \"/a\"}",
		     "host.write: the same file as read");
	expect_error("{\"type\": \"pcap-file\", \"read\": \"/a\", \"pps\": 10, "
		     "\"mbps\": 5}", "exclude each other");
	expect_error("{\"type\": \"pcap-file\", \"read\": \"/a\", \"timing\": "
		     "\"recorded\", \"pps\": 5}", "host.timing: timing, pps and mbps");
	expect_error("{\"type\": \"pcap-file\", \"read\": \"/a\", \"timing\": \"slow\"}",
		     "must be one of fast, recorded");
	expect_error("{\"type\": \"pcap-file\", \"read\": \"/a\", \"pps\": 0}",
		     "host.pps: must be an integer from 1");
	expect_error("{\"type\": \"pcap-file\", \"write\": \"/a\", \"pps\": 5}",
		     "host.pps: only with read");
	expect_error("{\"type\": \"pcap-file\", \"read\": \"/a\", \"max_packets\": 5}",
		     "host.max_packets: only with write");
	expect_error("{\"type\": \"pcap-file\", \"write\": \"/a\", \"keep_files\": 2}",
		     "host.keep_files: only with max_packets or max_bytes");
	expect_error("{\"type\": \"pcap-file\", \"write\": \"/a\", \"max_bytes\": 100}",
		     "host.max_bytes: must be an integer from 4096");
	expect_error("{\"type\": \"pcap-file\", \"read\": \"/a\", \"name\": \"x\"}",
		     "host.name: unknown key");
	expect_error("{\"type\": \"pcap-file\", \"read\": \"/a\", \"mac\": "
		     "\"02:00:00:00:00:01\"}", "host.mac: unknown key");
}

static void live_options_and_checks(void **state)
{
	struct bridge_conf bc;
	char msg[512];

	(void)state;
	assert_int_equal(parse("{\"type\": \"pcap-live\", \"name\": \"eth0\", "
			       "\"promisc\": true, \"filter\": \"udp port 53\"}",
			       NULL, &bc, msg, sizeof(msg)), 0);
	assert_true(bc.host.promisc);
	assert_string_equal(bc.host.filter, "udp port 53");
	expect_error("{\"type\": \"pcap-live\"}", "pcap-live needs the interface name");
	expect_error("{\"type\": \"pcap-live\", \"name\": \"eth0\", \"filter\": "
		     "\"udp port\"}", "host.filter: ");
	expect_error("{\"type\": \"pcap-live\", \"name\": \"eth0\", \"read\": \"/a\"}",
		     "host.read: unknown key");
	expect_error("{\"type\": \"tap\", \"promisc\": true}",
		     "host.promisc: unknown key");
	expect_error("{\"type\": \"pcap\"}", "must be one of tap, pcap-live, pcap-file");
	/* an ip-mode filter compiles for raw IP: "ether" makes no sense there */
	assert_int_equal(parse("{\"type\": \"pcap-live\", \"name\": \"tun0\", "
			       "\"filter\": \"ether host 02:00:00:00:00:01\"}",
			       "\"mode\": \"ip\"", &bc, msg, sizeof(msg)), 1);
}

static void equality_and_conflicts(void **state)
{
	struct bridge_conf a, b;
	char msg[512], what[300];

	(void)state;
	parse("{\"type\": \"pcap-file\", \"read\": \"/r\", \"write\": \"/w\", "
	      "\"pps\": 10}", NULL, &a, msg, sizeof(msg));
	parse("{\"type\": \"pcap-file\", \"read\": \"/r\", \"write\": \"/w\", "
	      "\"pps\": 11}", NULL, &b, msg, sizeof(msg));
	assert_false(config_bridge_equal(&a, &b));
	b.host.rate = 10;
	assert_true(config_bridge_equal(&a, &b));
	b.host.loop = 5;
	assert_false(config_bridge_equal(&a, &b));
	assert_true(config_host_conflict(&a.host, &b.host, what, sizeof(what)));
	assert_string_equal(what, "file /w");
	strcpy(b.host.write, "/w2");
	assert_false(config_host_conflict(&a.host, &b.host, what, sizeof(what)));
	parse("{\"type\": \"pcap-live\", \"name\": \"eth0\"}", NULL, &a, msg, sizeof(msg));
	parse("{\"type\": \"tap\", \"name\": \"eth0\"}", NULL, &b, msg, sizeof(msg));
	assert_true(config_host_conflict(&a.host, &b.host, what, sizeof(what)));
	assert_string_equal(what, "device eth0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(file_defaults),
		cmocka_unit_test(file_checks),
		cmocka_unit_test(live_options_and_checks),
		cmocka_unit_test(equality_and_conflicts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
