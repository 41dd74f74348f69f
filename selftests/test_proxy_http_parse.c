// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cmocka tests of the HTTP/1.x head parser and the chunked decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "http_parse.h"

static const struct http_limits lim = {.max_head = 8192, .max_target = 1024};
static struct http_parser P; /* large (the field table): not on the stack */

/* Parse s (whole) as a request; returns the parser's result. */
static int req(const char *s)
{
	http_parser_init(&P, HTTP_REQUEST, &lim);
	return http_parse_head(&P, s, strlen(s));
}

static int resp(const char *s)
{
	http_parser_init(&P, HTTP_RESPONSE, &lim);
	return http_parse_head(&P, s, strlen(s));
}

/* The field value of the i-th field as a C string (static buffer). */
static const char *val(const char *buf, int i)
{
	static char v[512];

	snprintf(v, sizeof(v), "%.*s", P.h.hdr[i].value_len, buf + P.h.hdr[i].value);
	return v;
}

static void test_simple_get(void **state)
{
	const char *s = "GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\n"
			"User-Agent:  curl/7.88  \r\nAccept: */*\r\n\r\n";

	(void)state;
	assert_int_equal(req(s), HTTP_PARSE_DONE);
	assert_int_equal(P.h.head_len, strlen(s));
	assert_int_equal(P.h.method, HTTP_M_GET);
	assert_int_equal(P.h.version, 11);
	assert_memory_equal(s + P.h.target_off, "/index.html?q=1", P.h.target_len);
	assert_int_equal(P.h.target_len, 15);
	assert_int_equal(P.h.nhdr, 3);
	assert_int_equal(P.h.hdr[0].id, HDR_HOST);
	assert_string_equal(val(s, 0), "example.com");
	assert_string_equal(val(s, 1), "curl/7.88"); /* whitespace cut both sides */
	assert_int_equal(P.h.hdr[1].id, HDR_OTHER);
	assert_true(http_keep_alive(&P.h));
	assert_int_equal(http_request_body(&P.h), HTTP_BODY_NONE);
	assert_true(http_method_idempotent(P.h.method));
}

static void test_bodies_and_connection(void **state)
{
	(void)state;
	assert_int_equal(req("POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n"),
			 HTTP_PARSE_DONE);
	assert_int_equal(http_request_body(&P.h), HTTP_BODY_LENGTH);
	assert_int_equal(P.h.content_length, 12);
	assert_false(http_method_idempotent(P.h.method));

	assert_int_equal(req("POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"),
			 HTTP_PARSE_DONE);
	assert_int_equal(http_request_body(&P.h), HTTP_BODY_CHUNKED);
	/* case and whitespace of the coding do not matter */
	assert_int_equal(req("POST /u HTTP/1.1\r\nHost: a\r\ntransfer-encoding:\tChunked \r\n\r\n"),
			 HTTP_PARSE_DONE);
	assert_true(P.h.chunked);

	assert_int_equal(req("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"),
			 HTTP_PARSE_DONE);
	assert_false(http_keep_alive(&P.h));
	assert_int_equal(req("GET / HTTP/1.0\r\n\r\n"), HTTP_PARSE_DONE); /* no Host in 1.0 */
	assert_int_equal(P.h.version, 10);
	assert_false(http_keep_alive(&P.h));
	assert_int_equal(req("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), HTTP_PARSE_DONE);
	assert_true(http_keep_alive(&P.h));
	assert_int_equal(req("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Foo\r\n\r\n"),
			 HTTP_PARSE_DONE);
	assert_int_equal(P.h.conn, HTTP_CONN_KEEP_ALIVE | HTTP_CONN_OTHER);
	/* 1.2 is served as 1.1 */
	assert_int_equal(req("GET / HTTP/1.2\r\nHost: a\r\n\r\n"), HTTP_PARSE_DONE);
	assert_int_equal(P.h.version, 11);
	/* duplicate identical lengths are one length (RFC 9112 6.3) */
	assert_int_equal(req("PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
			     "Content-Length: 5\r\n\r\n"),
			 HTTP_PARSE_DONE);
	assert_int_equal(P.h.content_length, 5);
	assert_int_equal(req("PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n"),
			 HTTP_PARSE_DONE);
	assert_int_equal(req("PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"),
			 HTTP_PARSE_DONE);
	assert_int_equal(http_request_body(&P.h), HTTP_BODY_NONE);
	/* Expect */
	assert_int_equal(req("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\n"
			     "Content-Length: 1\r\n\r\n"),
			 HTTP_PARSE_DONE);
	assert_true(P.h.expect_continue);
	assert_int_equal(req("PUT / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n"), -417);
	assert_int_equal(req("PUT / HTTP/1.0\r\nExpect: 200-ok\r\n\r\n"), HTTP_PARSE_DONE);
	assert_false(P.h.expect_continue);
}

static void test_targets(void **state)
{
	(void)state;
	assert_int_equal(req("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"), HTTP_PARSE_DONE);
	assert_int_equal(req("GET * HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
	assert_int_equal(req("GET http://a/b HTTP/1.1\r\nHost: a\r\n\r\n"), HTTP_PARSE_DONE);
	assert_int_equal(req("GET a/b HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
	assert_int_equal(req("CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n"), -501);
	/* an unknown method is a token like any: forwarded */
	assert_int_equal(req("PURGE /x HTTP/1.1\r\nHost: a\r\n\r\n"), HTTP_PARSE_DONE);
	assert_int_equal(P.h.method, HTTP_M_OTHER);
	assert_false(http_method_idempotent(P.h.method));
	assert_int_equal(req("M-SEARCH * HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
	assert_int_equal(req("M-SEARCH /x HTTP/1.1\r\nHost: a\r\n\r\n"), HTTP_PARSE_DONE);
	/* methods are case-sensitive: lower-case letters are refused (nginx too) */
	assert_int_equal(req("get / HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
	assert_int_equal(req("Get / HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
	assert_int_equal(req("head / HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
	assert_int_equal(req("purge /x HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
}

/* Absolute-form: the authority and where the path starts are recorded. */
static void test_absolute_form(void **state)
{
	const char *s = "GET http://evil.example:8080/abs?q=1 HTTP/1.1\r\nHost: good.example\r\n\r\n";

	(void)state;
	assert_int_equal(req(s), HTTP_PARSE_DONE);
	assert_int_equal(P.h.authority_len, strlen("evil.example:8080"));
	assert_memory_equal(s + P.h.authority_off, "evil.example:8080", P.h.authority_len);
	assert_memory_equal(s + P.h.path_off, "/abs?q=1",
			    P.h.target_off + P.h.target_len - P.h.path_off);
	s = "GET HTTPS://a.example HTTP/1.1\r\nHost: a\r\n\r\n";
	assert_int_equal(req(s), HTTP_PARSE_DONE);
	assert_memory_equal(s + P.h.authority_off, "a.example", P.h.authority_len);
	assert_int_equal(P.h.path_off, P.h.target_off + P.h.target_len); /* no path */
	s = "GET http://a.example?x HTTP/1.1\r\nHost: a\r\n\r\n";
	assert_int_equal(req(s), HTTP_PARSE_DONE);
	assert_memory_equal(s + P.h.path_off, "?x", 2);
	/* origin-form: no authority */
	assert_int_equal(req("GET /x HTTP/1.1\r\nHost: a\r\n\r\n"), HTTP_PARSE_DONE);
	assert_int_equal(P.h.authority_len, 0);
	/* no host, userinfo, a character no host has */
	assert_int_equal(req("GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
	assert_int_equal(req("GET http://u@evil/x HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
	assert_int_equal(req("GET http://a\"b/x HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
}

/* Content-Length at every boundary of 64-bit arithmetic, in a request (400)
 * and a response (502): nothing wraps to a small number. */
static void test_length_overflow(void **state)
{
	static const struct {
		const char *cl;
		uint64_t want; /* 0: refused */
	} cases[] = {
		{"9223372036854775807", INT64_MAX},			/* 2^63-1 */
		{"9223372036854775808", 0},				/* 2^63 */
		{"18446744073709551615", 0},				/* 2^64-1 */
		{"18446744073709551616", 0},				/* 2^64: 0 wrapped */
		{"18446744073709551621", 0},				/* 2^64+5: 5 wrapped */
		{"99999999999999999999", 0},				/* 20 digits */
		{"10000000000000000000", 0},				/* 20 digits, 10^19 */
		{"00000000000000000000000000005", 5},			/* leading zeros */
		{"0009223372036854775807", INT64_MAX},			/* ... up to the limit */
		{"0000000000000000000009223372036854775808", 0},	/* ... and past it */
		{"18446744073709551621, 18446744073709551621", 0},	/* a list of them */
	};
	char buf[256];
	size_t i;
	int kind;

	(void)state;
	for (kind = HTTP_REQUEST; kind <= HTTP_RESPONSE; kind++) {
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			int r;

			if (kind == HTTP_REQUEST)
				snprintf(buf, sizeof(buf),
					 "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %s\r\n\r\n",
					 cases[i].cl);
			else
				snprintf(buf, sizeof(buf),
					 "HTTP/1.1 200 OK\r\nContent-Length: %s\r\n\r\n", cases[i].cl);
			http_parser_init(&P, kind, &lim);
			r = http_parse_head(&P, buf, strlen(buf));
			if (cases[i].want) {
				if (r != HTTP_PARSE_DONE || P.h.content_length != cases[i].want)
					fail_msg("%s: Content-Length %s: got %d, %llu",
						 kind == HTTP_REQUEST ? "request" : "response",
						 cases[i].cl, r,
						 (unsigned long long)P.h.content_length);
			} else if (r != (kind == HTTP_REQUEST ? -400 : -502)) {
				fail_msg("%s: Content-Length %s: expected refusal, got %d",
					 kind == HTTP_REQUEST ? "request" : "response", cases[i].cl,
					 r);
			}
		}
	}
}

/* Leading CRLFs are skipped; two requests in one buffer split at head_len. */
static void test_pipelining(void **state)
{
	const char *s = "\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n"
			"POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
			"GET /c HTTP/1.1\r\nHost: x\r\n\r\n";
	size_t off = 0;
	const char *cur;

	(void)state;
	assert_int_equal(req(s), HTTP_PARSE_DONE);
	assert_memory_equal(s + P.h.target_off, "/a", 2);
	off += P.h.head_len;
	cur = s + off;
	assert_int_equal(req(cur), HTTP_PARSE_DONE);
	assert_memory_equal(cur + P.h.target_off, "/b", 2);
	assert_int_equal(P.h.content_length, 3);
	off += P.h.head_len + 3;
	cur = s + off;
	assert_int_equal(req(cur), HTTP_PARSE_DONE);
	assert_memory_equal(cur + P.h.target_off, "/c", 2);
	assert_int_equal(off + P.h.head_len, strlen(s));
}

/* Fed one byte more each call, the parser says MORE until the last byte and
 * then gives what it gives on the whole: resumable at every byte. */
static void test_partial(void **state)
{
	static const char *const heads[] = {
		"GET /p HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nX-Long:  v v v \r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n",
		"\r\n\r\nPUT /q HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
	};
	struct http_head whole;
	size_t i, n, len;

	(void)state;
	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		enum http_kind kind = heads[i][0] == 'H' ? HTTP_RESPONSE : HTTP_REQUEST;

		len = strlen(heads[i]);
		http_parser_init(&P, kind, &lim);
		assert_int_equal(http_parse_head(&P, heads[i], len), HTTP_PARSE_DONE);
		whole = P.h;
		http_parser_init(&P, kind, &lim);
		for (n = 0; n < len; n++)
			assert_int_equal(http_parse_head(&P, heads[i], n), HTTP_PARSE_MORE);
		assert_int_equal(http_parse_head(&P, heads[i], len), HTTP_PARSE_DONE);
		assert_int_equal(P.h.head_len, len);
		assert_int_equal(P.h.nhdr, whole.nhdr);
		assert_memory_equal(P.h.hdr, whole.hdr, whole.nhdr * sizeof(whole.hdr[0]));
		assert_int_equal(P.h.content_length, whole.content_length);
		assert_int_equal(P.h.chunked, whole.chunked);
		/* called again when done: still done */
		assert_int_equal(http_parse_head(&P, heads[i], len), HTTP_PARSE_DONE);
	}
}

/* Request smuggling and malformed heads: each refused, with its status. */
static const struct {
	const char *name;
	const char *head;
	int status;
} bad[] = {
	{"CL and TE",
	 "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n",
	 400},
	{"TE and CL",
	 "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n",
	 400},
	{"differing CL",
	 "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400},
	{"differing CL list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n", 400},
	{"CL sign", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", 400},
	{"CL negative", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400},
	{"CL hex", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n", 400},
	{"CL junk", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5a\r\n\r\n", 400},
	{"CL empty", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", 400},
	{"CL commas only", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ,\r\n\r\n", 400},
	{"CL overflow",
	 "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400},
	{"TE chunked twice",
	 "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400},
	{"TE two lines",
	 "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
	 "chunked\r\n\r\n",
	 400},
	{"TE chunked then other line",
	 "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
	 "identity\r\n\r\n",
	 501},
	{"TE xchunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", 501},
	{"TE gzip, chunked",
	 "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
	{"TE chunked, gzip",
	 "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 501},
	{"TE parameter", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n",
	 400},
	{"TE quoted", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", 400},
	{"TE empty", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\n", 400},
	{"TE vertical tab", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \vchunked\r\n\r\n",
	 400},
	{"TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
	{"space before colon", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n",
	 400},
	{"tab before colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 400},
	{"obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n 2\r\n\r\n", 400},
	{"obs-fold TE", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n",
	 400},
	{"obs-fold tab", "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n\t2\r\n\r\n", 400},
	{"leading space field", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400},
	{"bare LF in field", "GET / HTTP/1.1\r\nHost: a\nX-A: 1\r\n\r\n", 400},
	{"bare LF line end", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400},
	{"bare LF end", "GET / HTTP/1.1\r\nHost: a\r\n\n", 400},
	{"bare CR in value", "GET / HTTP/1.1\r\nHost: a\rX-A: 1\r\n\r\n", 400},
	{"bare CR in line", "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"bare CR start", "\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"NUL in value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: a\0b\r\n\r\n", 400},
	{"DEL in value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: a\x7f\r\n\r\n", 400},
	{"empty field name", "GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n", 400},
	{"space in name", "GET / HTTP/1.1\r\nHost: a\r\nX A: x\r\n\r\n", 400},
	{"no colon", "GET / HTTP/1.1\r\nHost: a\r\nXA\r\n\r\n", 400},
	{"no Host in 1.1", "GET / HTTP/1.1\r\n\r\n", 400},
	{"two Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
	{"Host with space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
	{"Host with slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400},
	{"double SP", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"SP before version", "GET /  HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"trailing SP", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400},
	{"tab separator", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"no version", "GET /\r\nHost: a\r\n\r\n", 400},
	{"bad version", "GET / HTTP/1.x\r\nHost: a\r\n\r\n", 400},
	{"lower-case version", "GET / http/1.1\r\nHost: a\r\n\r\n", 400},
	{"long version", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400},
	{"HTTP/2 line", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
	{"HTTP/0.9", "GET / HTTP/0.9\r\n\r\n", 505},
	{"method not a token", "G@T / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"control in target", "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"non-ASCII target", "GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
	{"bad Connection token", "GET / HTTP/1.1\r\nHost: a\r\nConnection: a b\r\n\r\n", 400},
	{"long method", "GETGETGETGETGETGETGETGETGETGETGETGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
};

static void test_smuggling(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = strlen(bad[i].head);
		int r;

		/* the NUL case: its length is written out */
		if (!strcmp(bad[i].name, "NUL in value"))
			len = sizeof("GET / HTTP/1.1\r\nHost: a\r\nX-A: a\0b\r\n\r\n") - 1;
		http_parser_init(&P, HTTP_REQUEST, &lim);
		r = http_parse_head(&P, bad[i].head, len);
		if (r != -bad[i].status)
			fail_msg("%s: expected -%d, got %d", bad[i].name, bad[i].status, r);
	}
}

static void test_limits(void **state)
{
	static char buf[20000];
	struct http_limits small = {.max_head = 256, .max_target = 64};
	int i, n;

	(void)state;
	/* a target of 64 is fine, 65 is 414, even before the line ends */
	n = snprintf(buf, sizeof(buf), "GET /%063d HTTP/1.1\r\nHost: a\r\n\r\n", 0);
	http_parser_init(&P, HTTP_REQUEST, &small);
	assert_int_equal(http_parse_head(&P, buf, n), HTTP_PARSE_DONE);
	n = snprintf(buf, sizeof(buf), "GET /%064d", 0);
	http_parser_init(&P, HTTP_REQUEST, &small);
	assert_int_equal(http_parse_head(&P, buf, n), -414);
	/* a target longer than the whole head limit is still 414 */
	n = snprintf(buf, sizeof(buf), "GET /%0300d", 0);
	small.max_target = 1000;
	http_parser_init(&P, HTTP_REQUEST, &small);
	assert_int_equal(http_parse_head(&P, buf, n), -414);
	/* fields past max_head: 431, also when the head is still incomplete */
	small.max_target = 64;
	n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: a\r\nX-Big: %0240d\r\n\r\n", 0);
	http_parser_init(&P, HTTP_REQUEST, &small);
	assert_int_equal(http_parse_head(&P, buf, n), -431);
	http_parser_init(&P, HTTP_REQUEST, &small);
	assert_int_equal(http_parse_head(&P, buf, 256), -431);
	/* exactly max_head bytes: fine */
	n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: a\r\nX-B: %0*d\r\n\r\n", 256 - 34,
		     0);
	assert_int_equal(n, 256);
	http_parser_init(&P, HTTP_REQUEST, &small);
	assert_int_equal(http_parse_head(&P, buf, n), HTTP_PARSE_DONE);
	/* more fields than the table holds: 431 */
	n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: a\r\n");
	for (i = 0; i < HTTP_MAX_HEADERS; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "X-%d: 1\r\n", i);
	n += snprintf(buf + n, sizeof(buf) - n, "\r\n");
	assert_int_equal(req(buf), -431);
	/* one fewer: fine */
	n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: a\r\n");
	for (i = 0; i < HTTP_MAX_HEADERS - 1; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "X-%d: 1\r\n", i);
	n += snprintf(buf + n, sizeof(buf) - n, "\r\n");
	assert_int_equal(req(buf), HTTP_PARSE_DONE);
}

static void test_responses(void **state)
{
	const char *s;

	(void)state;
	s = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhello";
	assert_int_equal(resp(s), HTTP_PARSE_DONE);
	assert_int_equal(P.h.status, 200);
	assert_int_equal(P.h.head_len, strlen(s) - 5);
	assert_memory_equal(s + P.h.reason_off, "OK", P.h.reason_len);
	assert_int_equal(http_response_body(&P.h, HTTP_M_GET), HTTP_BODY_LENGTH);
	assert_int_equal(http_response_body(&P.h, HTTP_M_HEAD), HTTP_BODY_NONE);
	assert_int_equal(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
			 HTTP_PARSE_DONE);
	assert_int_equal(http_response_body(&P.h, HTTP_M_GET), HTTP_BODY_CHUNKED);
	assert_int_equal(resp("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n"),
			 HTTP_PARSE_DONE);
	assert_int_equal(P.h.version, 10);
	assert_int_equal(http_response_body(&P.h, HTTP_M_GET), HTTP_BODY_CLOSE);
	assert_false(http_keep_alive(&P.h));
	assert_int_equal(resp("HTTP/1.1 204 No Content\r\n\r\n"), HTTP_PARSE_DONE);
	assert_int_equal(http_response_body(&P.h, HTTP_M_GET), HTTP_BODY_NONE);
	assert_int_equal(resp("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"),
			 HTTP_PARSE_DONE);
	assert_int_equal(http_response_body(&P.h, HTTP_M_GET), HTTP_BODY_NONE);
	assert_int_equal(resp("HTTP/1.1 100 Continue\r\n\r\n"), HTTP_PARSE_DONE);
	assert_int_equal(P.h.status, 100);
	assert_int_equal(resp("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"), HTTP_PARSE_DONE);
	assert_int_equal(http_response_body(&P.h, HTTP_M_GET), HTTP_BODY_NONE);
	assert_int_equal(resp("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n"), HTTP_PARSE_DONE);
	/* what the proxy must not pass on: 502 */
	assert_int_equal(
		resp("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"),
		-502);
	assert_int_equal(resp("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
			 -502);
	assert_int_equal(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"), -502);
	/* codings before chunked: passed on; chunked not last or twice: 502 */
	assert_int_equal(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
			 HTTP_PARSE_DONE);
	assert_true(P.h.chunked && P.h.te_other);
	assert_int_equal(http_response_body(&P.h, HTTP_M_GET), HTTP_BODY_CHUNKED);
	assert_int_equal(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n"
			      "Transfer-Encoding: chunked\r\n\r\n"),
			 HTTP_PARSE_DONE);
	assert_true(P.h.chunked && P.h.te_other);
	assert_int_equal(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
			 HTTP_PARSE_DONE);
	assert_false(P.h.te_other);
	assert_int_equal(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
			 -502);
	assert_int_equal(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked, chunked\r\n\r\n"),
			 -502);
	assert_int_equal(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n"
			      "Content-Length: 5\r\n\r\n"),
			 -502);
	assert_int_equal(resp("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n"), -502);
	assert_int_equal(resp("HTTP/1.1 20 OK\r\n\r\n"), -502);
	assert_int_equal(resp("HTTP/1.1 099 OK\r\n\r\n"), -502);
	assert_int_equal(resp("HTTP/2 200 OK\r\n\r\n"), -502);
	assert_int_equal(resp("HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n"), -502);
	assert_int_equal(resp("SSH-2.0-OpenSSH\r\n"), -502);
	assert_int_equal(resp("HTTP/1.1 2000 OK\r\n\r\n"), -502);
}

/* ---------------------------------------------------------------- chunked */

/* Decode s fed in pieces of `step` bytes; returns the result, the data in
 * out, and in *used where the body ended. */
static int dechunk(const char *s, size_t len, size_t step, char *out, size_t *outlen, size_t *end)
{
	struct http_chunked d;
	size_t off = 0, used, doff, dlen, avail;
	int r = HTTP_CHUNK_MORE;

	http_chunked_init(&d);
	*outlen = 0;
	while (off < len) {
		avail = len - off < step ? len - off : step;
		r = http_chunked_step(&d, s + off, avail, &used, &doff, &dlen);
		if (r == HTTP_CHUNK_ERROR)
			return r;
		assert_true(used <= avail);
		assert_true(doff + dlen <= used);
		memcpy(out + *outlen, s + off + doff, dlen);
		*outlen += dlen;
		off += used;
		if (r == HTTP_CHUNK_DONE)
			break;
	}
	*end = off;
	return r;
}

static void test_chunked(void **state)
{
	static const char *const good[] = {
		"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
		"5;name=value\r\nhello\r\n6 ; a=\"q\"\r\n world\r\n0;last\r\n\r\n",
		"B\r\nhello world\r\n0\r\nX-Trailer: 1\r\nX-Other:two\r\n\r\n",
		"0005\r\nhello\r\n000006\r\n world\r\n000\r\n\r\n",
	};
	static const char *const data[] = {"hello world", "hello world", "hello world",
					   "hello world"};
	char out[256];
	size_t i, step, outlen, end;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		for (step = 1; step <= strlen(good[i]); step++) {
			int r = dechunk(good[i], strlen(good[i]), step, out, &outlen, &end);

			if (r != HTTP_CHUNK_DONE)
				fail_msg("good[%zu] step %zu: got %d", i, step, r);
			assert_int_equal(end, strlen(good[i]));
			assert_int_equal(outlen, strlen(data[i]));
			assert_memory_equal(out, data[i], outlen);
		}
	}
}

static void test_chunked_boundary(void **state)
{
	const char *s = "3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n";
	char out[64];
	size_t outlen, end;

	(void)state;
	/* the next pipelined request is left where it is */
	assert_int_equal(dechunk(s, strlen(s), 1000, out, &outlen, &end), HTTP_CHUNK_DONE);
	assert_int_equal(end, strlen("3\r\nabc\r\n0\r\n\r\n"));
	/* incomplete: MORE, all consumed */
	assert_int_equal(dechunk(s, 9, 1000, out, &outlen, &end), HTTP_CHUNK_MORE);
	assert_int_equal(end, 9);
}

static void test_chunked_bad(void **state)
{
	static const char *const bad_chunks[] = {
		"g\r\nx\r\n0\r\n\r\n",	     /* not hex */
		"\r\n",			     /* no size */
		"-1\r\n",		     /* sign */
		"0x5\r\nhello\r\n0\r\n\r\n", /* 0x prefix */
		"5 \r\nhello\r\n0\r\n\r\n",  /* whitespace without extension */
		"5\nhello\r\n0\r\n\r\n",     /* bare LF after size */
		"5\rhello\r\n0\r\n\r\n",     /* bare CR after size */
		"5\r\nhelloX\r\n0\r\n\r\n",  /* data longer than the size */
		"5\r\nhello\n0\r\n\r\n",     /* bare LF after data */
		"5\r\nhello\r\r\n0\r\n\r\n",
		"8000000000000000\r\n",		 /* 2^63: too big */
		"5;a\x01\r\nhello\r\n0\r\n\r\n", /* control in extension */
		"0\r\nX: a\r\n b\r\n\r\n",	 /* obs-fold in trailer */
		"0\r\nX : a\r\n\r\n",		 /* space before colon in trailer */
		"0\r\nX: a\n\r\n",		 /* bare LF in trailer */
		"0\r\n\n",			 /* bare LF at the end */
		"0\r\n\r\r",			 /* CR CR at the end */
	};
	char out[256];
	size_t i, outlen, end;

	(void)state;
	for (i = 0; i < sizeof(bad_chunks) / sizeof(bad_chunks[0]); i++) {
		int r = dechunk(bad_chunks[i], strlen(bad_chunks[i]), 1000, out, &outlen, &end);

		if (r != HTTP_CHUNK_ERROR)
			fail_msg("bad_chunks[%zu]: expected error, got %d", i, r);
	}
}

/* Chunk sizes at every boundary of 64-bit arithmetic: 2^63-1 is taken,
 * anything larger is an error before it could wrap; leading zeros are fine. */
static void test_chunked_overflow(void **state)
{
	static const char *const refused[] = {
		"8000000000000000\r\n",		     /* 2^63 */
		"ffffffffffffffff\r\n",		     /* 2^64-1 */
		"10000000000000000\r\n",	     /* 2^64: 0 wrapped */
		"10000000000000005\r\nhello\r\n", /* 2^64+5: 5 wrapped */
		"fffffffffffffffffffff\r\n",	     /* 20+ digits */
		"00000000000000000008000000000000000\r\n", /* leading zeros, 2^63 */
	};
	struct http_chunked d;
	size_t i, used, doff, dlen;
	char out[64];
	size_t outlen, end;
	const char *s;

	(void)state;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		int r = dechunk(refused[i], strlen(refused[i]), 1000, out, &outlen, &end);

		if (r != HTTP_CHUNK_ERROR)
			fail_msg("chunk size %s: expected error, got %d", refused[i], r);
	}
	/* 2^63-1: a chunk that large is taken; its first bytes are data */
	s = "7fffffffffffffff\r\nabc";
	http_chunked_init(&d);
	assert_int_equal(http_chunked_step(&d, s, strlen(s), &used, &doff, &dlen), HTTP_CHUNK_MORE);
	assert_int_equal(used, strlen(s));
	assert_int_equal(doff, strlen(s) - 3);
	assert_int_equal(dlen, 3);
	assert_true(d.left == (uint64_t)INT64_MAX - 3);
	/* leading zeros: 20 digits that say 5 */
	s = "00000000000000000005\r\nhello\r\n0\r\n\r\n";
	assert_int_equal(dechunk(s, strlen(s), 1000, out, &outlen, &end), HTTP_CHUNK_DONE);
	assert_int_equal(outlen, 5);
	assert_memory_equal(out, "hello", 5);
}

/* A size line longer than HTTP_CHUNK_MAX_LINE (extensions) is an error. */
static void test_chunked_long_line(void **state)
{
	static char buf[HTTP_CHUNK_MAX_LINE + 64];
	char out[16];
	size_t outlen, end;
	int n;

	(void)state;
	n = snprintf(buf, sizeof(buf), "1;x=");
	memset(buf + n, 'a', HTTP_CHUNK_MAX_LINE);
	n += HTTP_CHUNK_MAX_LINE;
	n += snprintf(buf + n, sizeof(buf) - n, "\r\n");
	assert_int_equal(dechunk(buf, n, 1000, out, &outlen, &end), HTTP_CHUNK_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_get),  cmocka_unit_test(test_bodies_and_connection),
		cmocka_unit_test(test_targets),	    cmocka_unit_test(test_pipelining),
		cmocka_unit_test(test_partial),	    cmocka_unit_test(test_smuggling),
		cmocka_unit_test(test_limits),	    cmocka_unit_test(test_responses),
		cmocka_unit_test(test_chunked),	    cmocka_unit_test(test_chunked_boundary),
		cmocka_unit_test(test_chunked_bad), cmocka_unit_test(test_chunked_long_line),
		cmocka_unit_test(test_absolute_form), cmocka_unit_test(test_length_overflow),
		cmocka_unit_test(test_chunked_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
