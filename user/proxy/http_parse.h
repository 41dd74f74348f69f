/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Strict, incremental, allocation-free HTTP/1.x head parser (requests and
 * responses) and chunked-body decoder, for the L7 proxy.
 *
 * The head parser is given the bytes of one head as they arrive: the same
 * buffer each time, grown at its end (earlier bytes never move). It resumes
 * where it stopped, so each byte is looked at once. What it records are
 * offsets into that buffer. Anything a request-smuggling attack relies on
 * (RFC 9112 sections 2.2, 5, 6, 7) is an error, never a guess:
 * Content-Length with Transfer-Encoding, differing Content-Length values,
 * a transfer coding other than chunked, obsolete line folding, a bare CR or
 * LF, whitespace before a field's colon, a malformed start line.
 */
#ifndef XDPGW_HTTP_PARSE_H
#define XDPGW_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEADERS 128
/* A method longer than this is refused (400). */
#define HTTP_MAX_METHOD 32
/* The largest Content-Length or chunk size taken (nginx's off_t limit,
 * 2^63-1); a longer number is refused before it could overflow. */
#define HTTP_MAX_LENGTH ((uint64_t)INT64_MAX)

/* http_parse_head() results; errors are the negative HTTP status to send. */
#define HTTP_PARSE_MORE 0
#define HTTP_PARSE_DONE 1

enum http_kind {
	HTTP_REQUEST,
	HTTP_RESPONSE,
};

enum http_method {
	HTTP_M_OTHER,
	HTTP_M_GET,
	HTTP_M_HEAD,
	HTTP_M_POST,
	HTTP_M_PUT,
	HTTP_M_DELETE,
	HTTP_M_OPTIONS,
	HTTP_M_TRACE,
	HTTP_M_CONNECT,
	HTTP_M_PATCH,
};

/* Fields the proxy acts on; everything else is HDR_OTHER. */
enum http_hdr_id {
	HDR_OTHER,
	HDR_CONTENT_LENGTH,
	HDR_TRANSFER_ENCODING,
	HDR_HOST,
	HDR_CONNECTION,
	HDR_KEEP_ALIVE,
	HDR_PROXY_CONNECTION,
	HDR_TE,
	HDR_TRAILER,
	HDR_UPGRADE,
	HDR_PROXY_AUTHORIZATION,
	HDR_PROXY_AUTHENTICATE,
	HDR_EXPECT,
	HDR_X_FORWARDED_FOR,
	HDR_X_REAL_IP,
	HDR_X_FORWARDED_PROTO,
	HDR_FORWARDED,
};

/* One field line: offsets into the head's buffer; the value has its
 * leading and trailing whitespace cut. */
struct http_header {
	uint32_t name;
	uint32_t value;
	uint16_t name_len;
	uint16_t value_len;
	uint8_t id; /* enum http_hdr_id */
};

/* How the body of a message is delimited. */
enum http_body {
	HTTP_BODY_NONE,
	HTTP_BODY_LENGTH, /* Content-Length bytes */
	HTTP_BODY_CHUNKED,
	HTTP_BODY_CLOSE, /* until the connection closes (responses only) */
};

/* Connection header tokens seen. */
#define HTTP_CONN_CLOSE	     0x1
#define HTTP_CONN_KEEP_ALIVE 0x2
#define HTTP_CONN_OTHER	     0x4 /* names another field: hop-by-hop too */

struct http_head {
	/* request line */
	uint32_t method_off, target_off;
	uint16_t method_len;
	uint32_t target_len;
	uint8_t method; /* enum http_method */
	/* absolute-form target "http://AUTHORITY/PATH": its authority, and
	 * where the path (or query) starts; authority_len is 0 otherwise */
	uint32_t authority_off, path_off;
	uint16_t authority_len;
	/* status line */
	uint16_t status;
	uint32_t reason_off, reason_len;
	uint8_t version; /* 10 or 11 */

	uint16_t nhdr;
	struct http_header hdr[HTTP_MAX_HEADERS];

	/* what the fields mean */
	bool has_length;
	bool chunked;
	bool has_host;
	bool expect_continue;
	bool te_other; /* response: a coding before chunked (gzip, chunked) */
	uint8_t conn; /* HTTP_CONN_* */
	uint64_t content_length;
	uint32_t head_len; /* bytes from the buffer's start to after the empty line */
};

struct http_limits {
	uint32_t max_head;   /* whole head, start line and fields: 431 beyond */
	uint32_t max_target; /* request-target: 414 beyond */
};

struct http_parser {
	uint8_t kind; /* enum http_kind */
	uint8_t state;
	uint32_t pos;	    /* next byte to look at */
	uint32_t mark;	    /* start of the token being read */
	uint32_t value_end; /* value's end without trailing whitespace */
	struct http_limits lim;
	struct http_head h;
};

void http_parser_init(struct http_parser *p, enum http_kind kind, const struct http_limits *lim);
/* Parse buf[0, len): the head so far. Returns HTTP_PARSE_MORE, HTTP_PARSE_DONE
 * (p->h.head_len bytes are the head; what follows is body or the next
 * message) or -status: 400, 414, 417, 431, 501, 505 for requests, 502 for a
 * response the proxy must not pass on.
 */
int http_parse_head(struct http_parser *p, const char *buf, size_t len);

/* Body of a request: none, length or chunked. */
enum http_body http_request_body(const struct http_head *req);
/* Body of a response to a request with method req_method (RFC 9112 6.3). */
enum http_body http_response_body(const struct http_head *resp, enum http_method req_method);
/* Methods a failed attempt may be sent again for (RFC 9110 9.2.2). */
bool http_method_idempotent(enum http_method m);
/* Connection stays open after this message, by version and Connection. */
bool http_keep_alive(const struct http_head *h);
/* Case-insensitive: does the comma-separated list in val contain token? */
bool http_list_has(const char *val, size_t len, const char *token);
const char *http_reason(int status);

/* Chunked body decoder. It checks the framing as it goes and tells which
 * bytes are data, so a caller may pass the encoding through untouched or
 * strip it.
 */
#define HTTP_CHUNK_MORE	       0
#define HTTP_CHUNK_DONE	       1
#define HTTP_CHUNK_ERROR       (-1)
#define HTTP_CHUNK_MAX_LINE    4096 /* a size line with its extensions */
#define HTTP_CHUNK_MAX_TRAILER 16384

struct http_chunked {
	uint8_t state;
	uint32_t line;	  /* bytes of the current size or trailer line */
	uint32_t trailer; /* bytes of the trailer section */
	uint64_t left;	  /* data bytes left in the current chunk */
};

void http_chunked_init(struct http_chunked *d);
/* Decode from buf[0, len): consumes *used bytes, of which the *data_len at
 * buf + *data_off are chunk data (*data_len may be 0). Stops after one run
 * of data, so call again with the rest while it returns HTTP_CHUNK_MORE and
 * *used < len. HTTP_CHUNK_DONE: the body ended after *used bytes.
 */
int http_chunked_step(struct http_chunked *d, const char *buf, size_t len, size_t *used,
		      size_t *data_off, size_t *data_len);

#endif
