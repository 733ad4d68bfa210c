/* Unit tests of memifctl's parser: unique-prefix matching, ambiguity and
 * unknown-word reports, keyword-value pairs of create to the bridge JSON of
 * the management protocol, word splitting of batch lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"

/* Runs cmd_parse on a line; returns its status, leaves the JSON args
 * (compact, sorted) in *json and what it printed on stderr in *err. */
static int parse_line(const char *line, char **json, char **err)
{
	struct strv w = { 0 };
	const struct cmd *cmd = NULL;
	json_t *args = NULL;
	FILE *tmp = tmpfile();
	int saved = dup(2), ret;
	long len;

	assert_non_null(tmp);
	assert_int_equal(util_split(line, &w), 0);
	fflush(stderr);
	dup2(fileno(tmp), 2);
	ret = cmd_parse((int)w.n, w.v, &cmd, &args);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	len = ftell(tmp);
	*err = calloc(1, (size_t)len + 1);
	rewind(tmp);
	assert_int_equal(fread(*err, 1, (size_t)len, tmp), (size_t)len);
	fclose(tmp);
	*json = args ? json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(args);
	strv_free(&w);
	return ret;
}

static void expect_ok(const char *line, const char *json)
{
	char *got, *err;

	assert_int_equal(parse_line(line, &got, &err), CLI_OK);
	assert_string_equal(err, "");
	assert_string_equal(got, json);
	free(got);
	free(err);
}

static void expect_usage(const char *line, const char *message)
{
	char *got, *err;

	assert_int_equal(parse_line(line, &got, &err), CLI_USAGE);
	assert_null(got);
	if (!strstr(err, message))
		fail_msg("stderr '%s' lacks '%s'", err, message);
	free(err);
}

static void test_prefix_selects_unique_command(void **state)
{
	(void)state;
	expect_ok("sh", "{}");
	expect_ok("sho vpp0", "{\"name\":\"vpp0\"}");
	expect_ok("st vpp0", "{\"name\":\"vpp0\"}");
	expect_ok("del vpp0", "{\"name\":\"vpp0\"}");
	expect_ok("ver", "{}");
	expect_ok("cap sta vpp0 /tmp/x.pcap",
		  "{\"action\":\"start\",\"file\":\"/tmp/x.pcap\",\"name\":\"vpp0\"}");
	expect_ok("capture sto vpp0", "{\"action\":\"stop\",\"name\":\"vpp0\"}");
}

static void test_ambiguous_and_unknown_list_candidates(void **state)
{
	(void)state;
	expect_usage("s", "ambiguous command 's': show stats");
	expect_usage("c x", "ambiguous command 'c': create capture");
	expect_usage("frobnicate", "unknown command 'frobnicate'; valid: show stats create");
	expect_usage("capture st vpp0", "ambiguous capture 'st': start stop");
	expect_usage("create v0 r master", "ambiguous keyword of create 'r': role rx_queues ring_size rx_mode read");
	expect_usage("create v0 rx 2", "rx_queues rx_mode");
	expect_usage("create v0 colour red", "unknown keyword of create 'colour'; valid: role socket");
	/* A family's root wins ("so" is socket), its members stay distinct. */
	expect_ok("create v0 so /x.sock", "{\"memif\":{\"socket\":\"/x.sock\"},\"name\":\"v0\"}");
	expect_ok("create v0 sec s3", "{\"memif\":{\"secret\":\"s3\"},\"name\":\"v0\"}");
	expect_usage("create v0 socket_ x", "ambiguous keyword of create 'socket_': socket_owner socket_group socket_mode");
	expect_ok("create v0 socket_m 0660 socket_g vpp",
		  "{\"memif\":{\"socket_group\":\"vpp\",\"socket_mode\":\"0660\"},\"name\":\"v0\"}");
}

static void test_create_builds_bridge_object(void **state)
{
	(void)state;
	expect_ok("create vpp0 role slave socket /run/vpp/memif.sock id 0 tap memif0 mtu 9000",
		  "{\"host\":{\"mtu\":9000,\"name\":\"memif0\",\"type\":\"tap\"},"
		  "\"memif\":{\"id\":0,\"role\":\"slave\",\"socket\":\"/run/vpp/memif.sock\"},"
		  "\"name\":\"vpp0\"}");
	expect_ok("create b1 ro cl rx_q 2 tx_q 4 ring 2048 buf 9216 rx_m pol mode ip "
		  "secret s3 netns red up no persist y mac 02:fe:00:00:00:01 tap_netns blue",
		  "{\"host\":{\"mac\":\"02:fe:00:00:00:01\",\"netns\":\"blue\",\"persist\":true,"
		  "\"up\":false},\"memif\":{\"buffer_size\":9216,\"mode\":\"ip\",\"netns\":\"red\","
		  "\"ring_size\":2048,\"role\":\"client\",\"rx_mode\":\"polling\",\"rx_queues\":2,"
		  "\"secret\":\"s3\",\"tx_queues\":4},\"name\":\"b1\"}");
	expect_ok("create p pcap-file read /tmp/in.pcap write /tmp/out.pcap secret_file /etc/s",
		  "{\"host\":{\"read\":\"/tmp/in.pcap\",\"type\":\"pcap-file\",\"write\":\"/tmp/out.pcap\"},"
		  "\"memif\":{\"secret_file\":\"/etc/s\"},\"name\":\"p\"}");
	expect_ok("create l pcap-l eth0 mode punt", "{\"host\":{\"name\":\"eth0\",\"type\":\"pcap-live\"},"
		  "\"memif\":{\"mode\":\"punt-inject\"},\"name\":\"l\"}");
	/* "tap" is a keyword and a prefix of "tap_netns": the exact word wins. */
	expect_ok("create t tap t0", "{\"host\":{\"name\":\"t0\",\"type\":\"tap\"},\"name\":\"t\"}");
}

static void test_create_rejects_bad_values(void **state)
{
	(void)state;
	expect_usage("create", "create: missing argument; usage: create NAME");
	expect_usage("create v0 id", "keyword id needs a value (N)");
	expect_usage("create v0 id -1", "bad value '-1' for id: expected a number");
	expect_usage("create v0 id 4294967296", "bad value '4294967296' for id");
	expect_usage("create v0 mtu 15x", "bad value '15x' for mtu");
	expect_usage("create v0 role boss", "bad value 'boss' for role: expected master|slave|server|client");
	expect_usage("create v0 up maybe", "bad value 'maybe' for up: expected yes|no");
	expect_usage("create v0 mac 02:fe:00", "bad value '02:fe:00' for mac");
	expect_usage("create v0 tap a pcap-live eth0", "keyword pcap-live: host.type is already set");
	expect_usage("create v0 id 1 id 2", "keyword id: memif.id is already set");
}

static void test_positional_and_keywords_of_other_commands(void **state)
{
	(void)state;
	expect_ok("stats", "{}");
	expect_ok("stats reset", "{\"reset\":true}");
	expect_ok("stats vpp0 res", "{\"name\":\"vpp0\",\"reset\":true}");
	expect_ok("capture start vpp0 /tmp/c.pcap filter 'icmp or arp' dir rx count 10",
		  "{\"action\":\"start\",\"count\":10,\"direction\":\"rx\",\"file\":\"/tmp/c.pcap\","
		  "\"filter\":\"icmp or arp\",\"name\":\"vpp0\"}");
	expect_usage("delete", "delete: missing argument; usage: delete NAME");
	expect_usage("ping now", "unexpected word 'now' after ping");
	expect_usage("capture start vpp0", "capture start: missing argument");
	expect_usage("capture", "capture: missing argument; usage: capture start|stop");
	expect_usage("capture start v f direction up", "expected rx|tx|both");
}

static void test_split_quotes_escapes_comments(void **state)
{
	struct strv w = { 0 };

	(void)state;
	assert_int_equal(util_split("  create  'a b' \"c \\\" d\" e\\ f # comment", &w), 0);
	assert_int_equal(w.n, 4);
	assert_string_equal(w.v[0], "create");
	assert_string_equal(w.v[1], "a b");
	assert_string_equal(w.v[2], "c \" d");
	assert_string_equal(w.v[3], "e f");
	strv_free(&w);
	assert_int_equal(util_split("# only a comment", &w), 0);
	assert_int_equal(w.n, 0);
	assert_int_equal(util_split("show 'open", &w), -EINVAL);
	strv_free(&w);
}

static void test_complete_commands_keywords_values(void **state)
{
	struct cli cli = { .socket = "/nonexistent/memifctl-test.sock", .timeout_ms = 100 };
	struct strv out = { 0 };
	char *create[] = { "cr", "v0", "role" }, *cap[] = { "capture" };

	(void)state;
	cmd_complete(&cli, 0, NULL, "s", &out);
	assert_int_equal(out.n, 2);
	assert_string_equal(out.v[0], "show");
	assert_string_equal(out.v[1], "stats");
	strv_free(&out);
	cmd_complete(&cli, 2, create, "rx", &out);	/* keywords after NAME */
	assert_int_equal(out.n, 2);
	assert_string_equal(out.v[0], "rx_queues");
	assert_string_equal(out.v[1], "rx_mode");
	strv_free(&out);
	cmd_complete(&cli, 3, create, "s", &out);	/* the value of role */
	assert_int_equal(out.n, 2);
	assert_string_equal(out.v[0], "slave");
	assert_string_equal(out.v[1], "server");
	strv_free(&out);
	cmd_complete(&cli, 1, cap, "", &out);
	assert_int_equal(out.n, 2);
	assert_string_equal(out.v[0], "start");
	strv_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_selects_unique_command),
		cmocka_unit_test(test_ambiguous_and_unknown_list_candidates),
		cmocka_unit_test(test_create_builds_bridge_object),
		cmocka_unit_test(test_create_rejects_bad_values),
		cmocka_unit_test(test_positional_and_keywords_of_other_commands),
		cmocka_unit_test(test_split_quotes_escapes_comments),
		cmocka_unit_test(test_complete_commands_keywords_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
