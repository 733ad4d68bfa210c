/* test_http.c - HTTP request heads, Accept negotiation, listen addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "http.h"

static int parse(const char *s, struct http_request *req)
{
	return http_parse(s, strlen(s), req);
}

static void a_get_is_parsed_with_its_accept_header(void **state)
{
	struct http_request req;

	(void)state;
	assert_int_equal(parse("GET /metrics?x=1 HTTP/1.1\r\nHost: h\r\n"
			       "accept:  application/openmetrics-text \r\n\r\n", &req), 200);
	assert_string_equal(req.method, "GET");
	assert_string_equal(req.path, "/metrics");
	assert_string_equal(req.accept, "application/openmetrics-text");
	/* bare LF line ends, leading empty lines, HTTP/1.0 without Host */
	assert_int_equal(parse("\r\nGET / HTTP/1.0\n\n", &req), 200);
	assert_string_equal(req.path, "/");
	/* the method is checked by the server (405), not here */
	assert_int_equal(parse("POST / HTTP/1.1\r\nHost: h\r\n\r\n", &req), 200);
	assert_string_equal(req.method, "POST");
}

static void an_incomplete_request_waits(void **state)
{
	struct http_request req;

	(void)state;
	assert_int_equal(parse("", &req), 0);
	assert_int_equal(parse("GET /metrics HTT", &req), 0);
	assert_int_equal(parse("GET /metrics HTTP/1.1\r\nHost: h\r\n", &req), 0);
}

static void malformed_requests_are_400(void **state)
{
	static const char *const bad[] = {
		"GARBAGE\r\n\r\n",
		"GET\r\n\r\n",
		"GET /metrics\r\n\r\n",
		"GET  /metrics HTTP/1.1\r\n\r\n",
		"GET metrics HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /a b HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /metrics HTTP/1.1x\r\nHost: h\r\n\r\n",
		"GET /metrics FTP/1.1\r\nHost: h\r\n\r\n",
		"G(T / HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET / HTTP/1.1\r\n\r\n",			/* no Host */
		"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",	/* two */
		"GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\n: empty\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nA\tB: c\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nX: \x01\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc",
		"GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
	};
	struct http_request req;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &req) != 400)
			fail_msg("not refused: %s", bad[i]);
	}
	assert_int_equal(http_parse("GET /\0 HTTP/1.1\r\n\r\n", 19, &req), 400);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
			       &req), 200);
}

static void other_versions_are_505(void **state)
{
	struct http_request req;

	(void)state;
	assert_int_equal(parse("GET / HTTP/2.0\r\n\r\n", &req), 505);
	assert_int_equal(parse("GET / HTTP/0.9\r\n\r\n", &req), 505);
}

static void oversized_requests_are_431(void **state)
{
	size_t n = HTTP_MAX_REQUEST + 100;
	char *buf = malloc(n + 1);
	struct http_request req;

	(void)state;
	/* a request line that never ends within the limit */
	memset(buf, 'a', n);
	memcpy(buf, "GET /", 5);
	assert_int_equal(http_parse(buf, HTTP_MAX_REQUEST, &req), 0);
	assert_int_equal(http_parse(buf, HTTP_MAX_REQUEST + 1, &req), 431);
	/* headers that go on past it */
	strcpy(buf, "GET / HTTP/1.1\r\nHost: h\r\nX: ");
	memset(buf + strlen(buf), 'b', n - strlen(buf));
	assert_int_equal(http_parse(buf, HTTP_MAX_REQUEST + 1, &req), 431);
	/* complete, but longer than the limit */
	memcpy(buf + n - 4, "\r\n\r\n", 4);
	assert_int_equal(http_parse(buf, n, &req), 431);
	free(buf);
}

static void accept_q_values(void **state)
{
	/* what Prometheus 2.42 sends */
	const char *prom = "application/openmetrics-text;version=1.0.0,"
			   "application/openmetrics-text;version=0.0.1;q=0.75,"
			   "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

	(void)state;
	assert_true(http_accept_q(prom, "application/openmetrics-text") == 1.0);
	assert_true(http_accept_q(prom, "text/plain") == 0.5);
	assert_true(http_accept_q("", "text/plain") < 0);
	assert_true(http_accept_q("*/*", "application/openmetrics-text") < 0);
	assert_true(http_accept_q("text/plainx", "text/plain") < 0);
	assert_true(http_accept_q(" TEXT/PLAIN ; Q=0.2 , a/b", "text/plain") == 0.2);
	assert_true(http_accept_q("text/plain;q=0", "text/plain") == 0);
}

static void listen_addresses(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;

	(void)state;
	assert_int_equal(http_addr_parse("127.0.0.1:9638", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(in->sin_port), 9638);
	assert_int_equal(ntohl(in->sin_addr.s_addr), 0x7f000001);
	assert_int_equal(http_addr_parse("[::1]:80", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ntohs(in6->sin6_port), 80);
	assert_true(IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr));
	assert_int_equal(http_addr_parse("/run/m.sock", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_UNIX);
	assert_string_equal(((struct sockaddr_un *)&ss)->sun_path, "/run/m.sock");
	static const char *const bad[] = { "", "9638", ":9638", "localhost:9638",
		"127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
		"127.0.0.1:+1", "127.0.0.1:1x", "::1:80", "[::1]", "[]:80",
		"[127.0.0.1]:80", "rel/path" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (http_addr_parse(bad[i], &ss, &len) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
}

static void reasons(void **state)
{
	(void)state;
	assert_string_equal(http_reason(431), "Request Header Fields Too Large");
	assert_string_equal(http_reason(405), "Method Not Allowed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_get_is_parsed_with_its_accept_header),
		cmocka_unit_test(an_incomplete_request_waits),
		cmocka_unit_test(malformed_requests_are_400),
		cmocka_unit_test(other_versions_are_505),
		cmocka_unit_test(oversized_requests_are_431),
		cmocka_unit_test(accept_q_values),
		cmocka_unit_test(listen_addresses),
		cmocka_unit_test(reasons),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
