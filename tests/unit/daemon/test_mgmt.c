/* test_mgmt.c - management requests: parsing, replies, dispatch errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "memifd.h"
#include "mgmt.h"

static int parse(const char *line, struct mgmt_request *req, char *msg)
{
	return mgmt_parse_request(line, strlen(line), req, msg, 256);
}

static void request_with_id_and_args(void **state)
{
	struct mgmt_request req;
	char msg[256];

	(void)state;
	assert_int_equal(parse("{\"id\": [1, \"x\"], \"command\": \"show\", "
			       "\"args\": {\"name\": \"vpp0\"}}", &req, msg), 0);
	assert_string_equal(req.command, "show");
	assert_true(json_is_array(req.id));
	assert_string_equal(json_string_value(json_object_get(req.args, "name")), "vpp0");
	mgmt_request_fini(&req);
}

static void absent_args_become_an_empty_object(void **state)
{
	struct mgmt_request req;
	char msg[256];

	(void)state;
	assert_int_equal(parse("{\"command\": \"ping\"}", &req, msg), 0);
	assert_null(req.id);
	assert_true(json_is_object(req.args));
	assert_int_equal(json_object_size(req.args), 0);
	mgmt_request_fini(&req);
	assert_int_equal(parse("{\"command\": \"ping\", \"args\": null}", &req, msg), 0);
	assert_true(json_is_object(req.args));
	mgmt_request_fini(&req);
}

static void malformed_requests_are_eproto(void **state)
{
	static const char *const bad[][2] = {
		{ "{\"command\": ", "not JSON" },
		{ "hello", "not JSON" },
		{ "42", "not JSON" },
		{ "[\"show\"]", "must be a JSON object" },
		{ "{\"id\": 1}", "missing command" },
		{ "{\"command\": 5}", "command must be a non-empty string" },
		{ "{\"command\": \"\"}", "command must be a non-empty string" },
		{ "{\"command\": \"show\", \"args\": [1]}", "args must be an object" },
		{ "{\"command\": \"show\", \"colour\": 1}", "unknown key colour" },
		{ "{\"command\": \"a\", \"command\": \"b\"}", "duplicate" },
	};
	struct mgmt_request req;
	char msg[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i][0], &req, msg), -EPROTO);
		if (!strstr(msg, bad[i][1]))
			fail_msg("%s: message \"%s\" lacks \"%s\"", bad[i][0], msg, bad[i][1]);
		mgmt_request_fini(&req);
	}
}

static void error_echoes_the_id(void **state)
{
	struct mgmt_request req;
	char msg[256], *s;
	json_t *r;

	(void)state;
	assert_int_equal(parse("{\"id\": \"abc\"}", &req, msg), -EPROTO);
	r = mgmt_reply_error(req.id, -EPROTO, msg);
	s = json_dumps(r, JSON_COMPACT);
	assert_string_equal(s, "{\"id\":\"abc\",\"ok\":false,\"error\":"
			    "{\"code\":\"EPROTO\",\"message\":\"missing command\"}}");
	free(s);
	json_decref(r);
	mgmt_request_fini(&req);
	r = mgmt_reply_ok(NULL, json_object());
	s = json_dumps(r, JSON_COMPACT);
	assert_string_equal(s, "{\"id\":null,\"ok\":true,\"result\":{}}");
	free(s);
	json_decref(r);
}

/* Found by fuzz_daemon_mgmt: a message quoting invalid UTF-8 from the
 * request made the reply unbuildable, so the client got no answer. */
static void error_with_invalid_utf8_still_answers(void **state)
{
	static const char line[] = "{\"id\":1,\"\\\xd3\x94\":\"s\"}";
	struct mgmt_request req;
	char msg[256];
	json_t *r;
	char *s;

	(void)state;
	assert_int_equal(mgmt_parse_request(line, sizeof(line) - 1, &req, msg,
					    sizeof(msg)), -EPROTO);
	r = mgmt_reply_error(req.id, -EPROTO, msg);
	assert_non_null(r);
	s = json_dumps(r, JSON_COMPACT);
	assert_non_null(s);
	assert_non_null(strstr(s, "\"code\":\"EPROTO\""));
	free(s);
	json_decref(r);
	mgmt_request_fini(&req);
}

static void error_names(void **state)
{
	(void)state;
	assert_string_equal(mgmt_errname(-EPROTO), "EPROTO");
	assert_string_equal(mgmt_errname(-E2BIG), "E2BIG");
	assert_string_equal(mgmt_errname(-ENOSYS), "ENOSYS");
	assert_string_equal(mgmt_errname(-EINVAL), "EINVAL");
	assert_string_equal(mgmt_errname(-ENOENT), "ENOENT");
	assert_string_equal(mgmt_errname(-EEXIST), "EEXIST");
	assert_string_equal(mgmt_errname(-EBUSY), "EBUSY");
	assert_string_equal(mgmt_errname(-ENOSPC), "ENOSPC");
	assert_string_equal(mgmt_errname(-EPERM), "EPERM");
	assert_string_equal(mgmt_errname(-EIO), "EIO");
	assert_string_equal(mgmt_errname(-ENOMEM), "EIO");
}

/* Dispatch against a daemon with no bridges (no system resources). */
static struct memifd d;

static int dispatch(const char *cmd, const char *args, json_t **result, char *msg)
{
	json_t *a = json_loads(args, 0, NULL);
	int r;

	if (!d.cfg)
		d.cfg = config_new_default();
	r = mgmt_dispatch(&d, NULL, cmd, a, result, msg, 256);
	json_decref(a);
	return r;
}

static void dispatch_answers_and_refuses(void **state)
{
	json_t *res;
	char msg[256];

	(void)state;
	assert_int_equal(dispatch("ping", "{}", &res, msg), 0);
	assert_true(json_is_true(json_object_get(res, "pong")));
	json_decref(res);
	assert_int_equal(dispatch("version", "{}", &res, msg), 0);
	assert_string_equal(json_string_value(json_object_get(res, "libmemif")), "3.1");
	assert_string_equal(json_string_value(json_object_get(res, "protocol")), "2.0");
	json_decref(res);
	assert_int_equal(dispatch("show", "{}", &res, msg), 0);
	assert_int_equal(json_array_size(json_object_get(res, "bridges")), 0);
	json_decref(res);
	assert_int_equal(dispatch("help", "{}", &res, msg), 0);
	assert_true(json_array_size(json_object_get(res, "commands")) >= 9);
	json_decref(res);

	assert_int_equal(dispatch("frobnicate", "{}", &res, msg), -ENOSYS);
	assert_int_equal(dispatch("show", "{\"name\": \"vpp9\"}", &res, msg), -ENOENT);
	assert_string_equal(msg, "no bridge named vpp9");
	assert_int_equal(dispatch("show", "{\"name\": 3}", &res, msg), -EINVAL);
	assert_int_equal(dispatch("show", "{\"nmae\": \"x\"}", &res, msg), -EINVAL);
	assert_non_null(strstr(msg, "nmae"));
	assert_int_equal(dispatch("stats", "{\"reset\": 1}", &res, msg), -EINVAL);
	assert_int_equal(dispatch("delete", "{}", &res, msg), -EINVAL);
	assert_string_equal(msg, "name: required");
	assert_int_equal(dispatch("delete", "{\"name\": \"x\"}", &res, msg), -ENOENT);
	assert_int_equal(dispatch("ping", "{\"x\": 1}", &res, msg), -EINVAL);
	assert_int_equal(dispatch("create", "{\"name\": \"x\", \"memif\": {\"ring_size\": 3}}",
				  &res, msg), -EINVAL);
	assert_non_null(strstr(msg, "memif.ring_size: must be a power of two"));
	assert_int_equal(dispatch("create", "{}", &res, msg), -EINVAL);
	assert_int_equal(dispatch("capture", "{\"action\": \"stop\"}", &res, msg), -EINVAL);
	assert_string_equal(msg, "name: required");
	assert_int_equal(dispatch("capture", "{\"action\": \"go\"}", &res, msg), -EINVAL);
	assert_int_equal(dispatch("capture", "{\"action\": \"stop\", \"name\": \"x\"}",
				  &res, msg), -ENOENT);
	assert_int_equal(dispatch("capture", "{\"action\": \"start\", \"nmae\": \"x\"}",
				  &res, msg), -EINVAL);
	config_free(d.cfg);
	d.cfg = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_with_id_and_args),
		cmocka_unit_test(absent_args_become_an_empty_object),
		cmocka_unit_test(malformed_requests_are_eproto),
		cmocka_unit_test(error_echoes_the_id),
		cmocka_unit_test(error_with_invalid_utf8_still_answers),
		cmocka_unit_test(error_names),
		cmocka_unit_test(dispatch_answers_and_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
