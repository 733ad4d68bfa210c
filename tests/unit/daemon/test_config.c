/* test_config.c - the configuration: positioned errors, every validation. */
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

#include "config.h"

/* tests/run.sh runs unit tests from the top of the tree */
#ifndef SRCDIR
#define SRCDIR "."
#endif

/* Loads text as "t.conf"; returns the errors (caller finis). */
static struct config_errors load(const char *text, struct config **out)
{
	struct config_errors errs = { 0 };
	struct config *cfg = config_load_string(text, "t.conf", &errs);

	if (out)
		*out = cfg;
	else
		config_free(cfg);
	return errs;
}

static int has(const struct config_errors *e, const char *needle)
{
	for (size_t i = 0; i < e->n; i++)
		if (strstr(e->msgs[i], needle))
			return 1;
	return 0;
}

static void dump(const struct config_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		fprintf(stderr, "  %s\n", e->msgs[i]);
}

/* Expects exactly one error containing needle inside one bridge's memif. */
static void expect_one(const char *text, const char *needle)
{
	struct config_errors e = load(text, NULL);

	if (e.n != 1 || !has(&e, needle)) {
		fprintf(stderr, "expected one error with \"%s\", got:\n", needle);
		dump(&e);
		fail();
	}
	config_errors_fini(&e);
}

#define B(memif, host) \
	"{\"bridges\": [{\"name\": \"b0\", \"memif\": {" memif "}, \"host\": {" host "}}]}"

static void default_file_parses_with_defaults(void **state)
{
	struct config_errors e = { 0 };
	struct config *cfg = config_load_file(SRCDIR "/conf/memifd.conf", &e);

	(void)state;
	dump(&e);
	assert_non_null(cfg);
	assert_int_equal(cfg->n_bridges, 1);
	assert_string_equal(cfg->bridges[0].name, "vpp0");
	assert_true(cfg->bridges[0].memif.is_master);
	assert_string_equal(cfg->bridges[0].memif.socket, "/run/memifd/memif.sock");
	assert_int_equal(cfg->bridges[0].memif.ring_size, 1024);
	assert_int_equal(cfg->bridges[0].memif.buffer_size, 2048);
	assert_int_equal(cfg->bridges[0].memif.rx_mode, RXM_ADAPTIVE);
	assert_string_equal(cfg->bridges[0].host.name, "memif0");
	assert_int_equal(cfg->bridges[0].host.mtu, 1500);
	assert_string_equal(cfg->control.socket, "/run/memifd/memifd.sock");
	assert_int_equal(cfg->control.mode, 0660);
	config_free(cfg);
}

static void example_file_is_valid(void **state)
{
	struct config_errors e = { 0 };
	struct config *cfg = config_load_file(SRCDIR "/conf/example.conf", &e);

	(void)state;
	dump(&e);
	assert_non_null(cfg);
	assert_true(cfg->n_bridges >= 2);
	config_free(cfg);
}

static void syntax_error_names_line_and_column(void **state)
{
	struct config *cfg;
	struct config_errors e = load("{\n  \"log_level\": \"info\",\n  oops\n}", &cfg);

	(void)state;
	assert_null(cfg);
	assert_int_equal(e.n, 1);
	assert_true(has(&e, "t.conf:3:"));
	config_errors_fini(&e);
}

static void unknown_key_is_positioned_at_the_key(void **state)
{
	struct config_errors e = load("{\"bridges\": [\n  {\"name\": \"b0\",\n"
				      "   \"memif\": {\"colour\": 1}}]}", NULL);

	(void)state;
	assert_int_equal(e.n, 1);
	assert_true(has(&e, "t.conf:3:14: bridges[0].memif.colour: unknown key"));
	config_errors_fini(&e);
}

static void bad_value_is_positioned_at_the_value(void **state)
{
	struct config_errors e = load("{\"bridges\": [{\"name\": \"b0\",\n"
				      "  \"memif\": {\"id\":   -1}}]}", NULL);

	(void)state;
	assert_int_equal(e.n, 1);
	assert_true(has(&e, "t.conf:2:21: bridges[0].memif.id:"));
	config_errors_fini(&e);
}

static void every_problem_is_listed(void **state)
{
	struct config_errors e = load("{\"log_level\": \"loud\", \"x\": 1, \"bridges\": "
				      "[{\"name\": \"b 0\", \"memif\": {\"role\": \"boss\", "
				      "\"ring_size\": 1000}, \"host\": {\"mtu\": 10}}]}", NULL);

	(void)state;
	dump(&e);
	assert_int_equal(e.n, 6);
	assert_true(has(&e, "log_level: must be one of"));
	assert_true(has(&e, "x: unknown key"));
	assert_true(has(&e, "bridges[0].name:"));
	assert_true(has(&e, "bridges[0].memif.role: must be one of master, server, slave, client"));
	assert_true(has(&e, "bridges[0].memif.ring_size: must be a power of two"));
	assert_true(has(&e, "bridges[0].host.mtu: must be an integer from 68"));
	config_errors_fini(&e);
}

static void each_memif_validation(void **state)
{
	(void)state;
	expect_one(B("\"socket\": \"relative.sock\"", ""), "memif.socket: must be an absolute path or @NAME");
	expect_one(B("\"socket\": \"@\"", ""), "memif.socket");
	expect_one(B("\"id\": 4294967296", ""), "memif.id: must be an integer from 0 to 4294967295");
	expect_one(B("\"id\": \"1\"", ""), "memif.id");
	expect_one(B("\"secret\": \"0123456789012345678901234\"", ""), "memif.secret: too long");
	expect_one(B("\"secret\": 5", ""), "memif.secret: must be a string");
	expect_one(B("\"secret\": \"a\", \"secret_file\": \"/x\"", ""), "secret and secret_file exclude each other");
	expect_one(B("\"secret_file\": \"/nonexistent/secret\"", ""), "memif.secret_file: /nonexistent/secret");
	expect_one(B("\"mode\": \"punt-inject\"", ""), "memif.mode: must be one of ethernet, ip");
	expect_one(B("\"rx_queues\": 0", ""), "memif.rx_queues: must be an integer from 1 to 255");
	expect_one(B("\"tx_queues\": 256", ""), "memif.tx_queues");
	expect_one(B("\"ring_size\": 32768", ""), "memif.ring_size: must be an integer from 2 to 16384");
	expect_one(B("\"buffer_size\": 64", ""), "memif.buffer_size: must be an integer from 128");
	expect_one(B("\"rx_mode\": \"busy\"", ""), "memif.rx_mode: must be one of interrupt, polling, adaptive");
	expect_one(B("\"netns\": \"a/b\"", ""), "memif.netns: must be a network namespace name");
	expect_one(B("\"is_master\": true", ""), "memif.is_master: unknown key");
}

static void each_host_validation(void **state)
{
	(void)state;
	expect_one(B("", "\"type\": \"pcap\""), "host.type: must be one of tap");
	expect_one(B("", "\"name\": \"a_very_long_ifname\""), "host.name: too long");
	expect_one(B("", "\"name\": \"a/b\""), "host.name: not a valid interface name");
	expect_one(B("", "\"mtu\": 67"), "host.mtu: must be an integer from 68 to 65000");
	expect_one(B("", "\"mac\": \"01:00:5e:00:00:01\""), "host.mac: must be a unicast MAC");
	expect_one(B("", "\"mac\": \"02:00:00:00:00\""), "host.mac");
	expect_one(B("", "\"up\": 1"), "host.up: must be true or false");
	expect_one(B("", "\"persist\": \"yes\""), "host.persist: must be true or false");
	expect_one(B("\"ring_size\": 4", "\"mtu\": 9000"), "host.mtu: a 9018-byte frame needs 5 buffers");
}

static void each_top_validation(void **state)
{
	(void)state;
	expect_one("{\"control\": {\"mode\": \"0999\"}}", "control.mode: must be an octal mode");
	expect_one("{\"control\": {\"group\": \"no-such-group-xyz\"}}", "control.group: no group named");
	expect_one("{\"control\": {\"socket\": \"rel\"}}", "control.socket: must be an absolute path");
	expect_one("{\"control\": {\"max_clients\": 0}}", "control.max_clients");
	expect_one("{\"control\": 1}", "control: must be an object");
	expect_one("{\"bridges\": {}}", "bridges: must be an array");
	expect_one("{\"bridges\": [1]}", "bridges[0]: a bridge must be an object");
	expect_one("{\"bridges\": [{}]}", "a bridge needs a name");
	expect_one("[]", "the configuration must be a JSON object");
	expect_one("{\"max_bridges\": 1, \"bridges\": [{\"name\": \"a\"}, {\"name\": \"b\", "
		   "\"memif\": {\"id\": 1}}]}", "more than max_bridges");
	expect_one("{\"bridges\": [{\"name\": \"a_name_longer_than_15\"}]}",
		   "host.name is required when the bridge name is longer");
	expect_one("{\"metrics\": {\"listen\": \"localhost:9638\"}}",
		   "t.conf:1:24: metrics.listen: must be IPV4:PORT");
	expect_one("{\"metrics\": {\"listen\": \"127.0.0.1:0\"}}", "metrics.listen");
	expect_one("{\"metrics\": {\"listen\": \"[::1]\"}}", "metrics.listen");
	expect_one("{\"metrics\": {\"port\": 1}}", "metrics.port: unknown key");
	expect_one("{\"metrics\": 1}", "metrics: must be an object");
}

static void metrics_listen_forms(void **state)
{
	static const char *const ok[] = { "127.0.0.1:9638", "0.0.0.0:1",
		"[::1]:9638", "[::]:65535", "/run/memifd/metrics.sock" };
	struct config *cfg;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char text[128];
		struct config_errors e;

		snprintf(text, sizeof(text), "{\"metrics\": {\"listen\": \"%s\"}}", ok[i]);
		e = load(text, &cfg);
		if (e.n)
			dump(&e);
		assert_int_equal(e.n, 0);
		assert_string_equal(cfg->metrics.listen, ok[i]);
		config_free(cfg);
	}
	load("{}", &cfg);
	assert_string_equal(cfg->metrics.listen, ""); /* off unless configured */
	config_free(cfg);
}

static void conflicts_between_bridges(void **state)
{
	(void)state;
	expect_one("{\"bridges\": [{\"name\": \"a\", \"host\": {\"name\": \"t0\"}}, "
		   "{\"name\": \"a\", \"memif\": {\"id\": 1}, \"host\": {\"name\": \"t1\"}}]}",
		   "bridges[1].name: duplicate bridge name a");
	expect_one("{\"bridges\": [{\"name\": \"a\"}, {\"name\": \"b\"}]}",
		   "bridges[1].memif: socket /run/memifd/memif.sock id 0 is already used by bridge a");
	expect_one("{\"bridges\": [{\"name\": \"a\", \"host\": {\"name\": \"t0\"}}, "
		   "{\"name\": \"b\", \"memif\": {\"id\": 1}, \"host\": {\"name\": \"t0\"}}]}",
		   "bridges[1].host: device t0 is already used by bridge a");
}

static void duplicate_keys_are_rejected(void **state)
{
	struct config_errors e = load("{\"log_level\": \"info\", \"log_level\": \"debug\"}", NULL);

	(void)state;
	assert_int_equal(e.n, 1);
	assert_true(has(&e, "t.conf:1:"));
	assert_true(has(&e, "duplicate"));
	config_errors_fini(&e);
}

static void roles_abstract_sockets_and_secret_file(void **state)
{
	char path[] = "/tmp/memifd-secret-XXXXXX", text[512];
	struct config *cfg;
	struct config_errors e;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "s3cret\n", 7), 7);
	close(fd);
	snprintf(text, sizeof(text), B("\"role\": \"client\", \"socket\": \"@vpp\", "
		 "\"secret_file\": \"%s\", \"rx_mode\": \"polling\", \"mode\": \"ip\"",
		 "\"mac\": \"02:fe:00:00:00:01\", \"persist\": true"), path);
	e = load(text, &cfg);
	unlink(path);
	dump(&e);
	assert_int_equal(e.n, 0);
	assert_false(cfg->bridges[0].memif.is_master);
	assert_string_equal(cfg->bridges[0].memif.socket, "@vpp");
	assert_true(cfg->bridges[0].memif.has_secret);
	assert_string_equal(cfg->bridges[0].memif.secret, "s3cret");
	assert_int_equal(cfg->bridges[0].memif.rx_mode, RXM_POLLING);
	assert_int_equal(cfg->bridges[0].memif.mode, MM_IP);
	assert_int_equal(cfg->bridges[0].host.mac[5], 1);
	assert_true(cfg->bridges[0].host.persist);
	assert_string_equal(cfg->bridges[0].host.name, "b0"); /* the default */
	config_free(cfg);
}

/* Interrupts while idle, polling while busy, unless the bridge says. */
static void rx_mode_defaults_to_adaptive(void **state)
{
	struct config *cfg;
	struct config_errors e;

	(void)state;
	e = load(B("", ""), &cfg);
	dump(&e);
	assert_int_equal(e.n, 0);
	assert_int_equal(cfg->bridges[0].memif.rx_mode, RXM_ADAPTIVE);
	config_free(cfg);
	e = load(B("\"rx_mode\": \"interrupt\"", ""), &cfg);
	assert_int_equal(e.n, 0);
	assert_int_equal(cfg->bridges[0].memif.rx_mode, RXM_INTERRUPT);
	config_free(cfg);
}

static void socket_file_owner_group_mode(void **state)
{
	struct config *cfg;
	struct config_errors e;

	(void)state;
	e = load(B("\"socket_owner\": \"root\", \"socket_group\": \"root\", "
		   "\"socket_mode\": \"0660\"", ""), &cfg);
	dump(&e);
	assert_int_equal(e.n, 0);
	assert_string_equal(cfg->bridges[0].memif.socket_owner, "root");
	assert_string_equal(cfg->bridges[0].memif.socket_group, "root");
	assert_true(cfg->bridges[0].memif.has_socket_mode);
	assert_int_equal(cfg->bridges[0].memif.socket_mode, 0660);
	config_free(cfg);
	expect_one(B("\"socket_mode\": \"660x\"", ""), "memif.socket_mode: must be an octal mode");
	expect_one(B("\"socket_mode\": \"01777\"", ""), "memif.socket_mode: must be an octal mode");
	expect_one(B("\"socket_owner\": \"no-such-user-xyz\"", ""), "memif.socket_owner: no user named no-such-user-xyz");
	expect_one(B("\"socket_group\": \"no-such-group-xyz\"", ""), "memif.socket_group: no group named");
	expect_one(B("\"socket\": \"@vpp\", \"socket_mode\": \"0600\"", ""),
		   "memif.socket_mode: an abstract socket has no file");
	expect_one(B("\"role\": \"slave\", \"socket_group\": \"root\"", ""),
		   "memif.socket_group: only for a master");
	expect_one("{\"bridges\": [{\"name\": \"a\", \"memif\": {\"socket_mode\": \"0600\"}}, "
		   "{\"name\": \"b\", \"memif\": {\"id\": 1, \"socket_mode\": \"0660\"}}]}",
		   "bridges[1].memif: socket /run/memifd/memif.sock has another socket_owner");
}

static void bridge_object_errors_carry_no_position(void **state)
{
	struct config_errors e = { 0 };
	struct bridge_conf bc;
	json_t *j = json_loads("{\"name\": \"x\", \"memif\": {\"id\": -3}, \"bogus\": 1}", 0, NULL);

	(void)state;
	assert_int_equal(config_parse_bridge(j, &bc, &e), -EINVAL);
	assert_int_equal(e.n, 2);
	assert_true(has(&e, "memif.id: must be an integer"));
	assert_true(has(&e, "bogus: unknown key"));
	assert_false(has(&e, "t.conf"));
	config_errors_fini(&e);
	json_decref(j);
}

static void bridge_equality_sees_every_field(void **state)
{
	struct config *a, *b;
	struct config_errors e1 = load(B("\"id\": 1", "\"mtu\": 1400"), &a);
	struct config_errors e2 = load(B("\"id\": 1", "\"mtu\": 1400"), &b);

	(void)state;
	assert_int_equal(e1.n + e2.n, 0);
	assert_true(config_bridge_equal(&a->bridges[0], &b->bridges[0]));
	b->bridges[0].host.mtu = 1500;
	assert_false(config_bridge_equal(&a->bridges[0], &b->bridges[0]));
	b->bridges[0].host.mtu = 1400;
	strcpy(b->bridges[0].memif.secret, "x");
	assert_false(config_bridge_equal(&a->bridges[0], &b->bridges[0]));
	b->bridges[0].memif.secret[0] = '\0';
	b->bridges[0].memif.has_socket_mode = true;
	assert_false(config_bridge_equal(&a->bridges[0], &b->bridges[0]));
	assert_non_null(config_find_bridge(a, "b0"));
	assert_null(config_find_bridge(a, "b1"));
	config_free(a);
	config_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_file_parses_with_defaults),
		cmocka_unit_test(metrics_listen_forms),
		cmocka_unit_test(rx_mode_defaults_to_adaptive),
		cmocka_unit_test(example_file_is_valid),
		cmocka_unit_test(syntax_error_names_line_and_column),
		cmocka_unit_test(unknown_key_is_positioned_at_the_key),
		cmocka_unit_test(bad_value_is_positioned_at_the_value),
		cmocka_unit_test(every_problem_is_listed),
		cmocka_unit_test(each_memif_validation),
		cmocka_unit_test(each_host_validation),
		cmocka_unit_test(each_top_validation),
		cmocka_unit_test(conflicts_between_bridges),
		cmocka_unit_test(duplicate_keys_are_rejected),
		cmocka_unit_test(roles_abstract_sockets_and_secret_file),
		cmocka_unit_test(socket_file_owner_group_mode),
		cmocka_unit_test(bridge_object_errors_carry_no_position),
		cmocka_unit_test(bridge_equality_sees_every_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
