// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What a parsed head tells the proxy about the message: how its body is
 * delimited (RFC 9112 6.3), whether the connection stays open, whether a
 * failed request may be sent again; and the reason phrase of a status.
 */
#include "http_parse_int.h"

enum http_body http_request_body(const struct http_head *req)
{
	if (req->chunked)
		return HTTP_BODY_CHUNKED;
	if (req->has_length && req->content_length)
		return HTTP_BODY_LENGTH;
	return HTTP_BODY_NONE;
}

enum http_body http_response_body(const struct http_head *resp, enum http_method req_method)
{
	if (req_method == HTTP_M_HEAD || resp->status < 200 || resp->status == 204 ||
	    resp->status == 304)
		return HTTP_BODY_NONE;
	if (resp->chunked)
		return HTTP_BODY_CHUNKED;
	if (resp->has_length)
		return resp->content_length ? HTTP_BODY_LENGTH : HTTP_BODY_NONE;
	return HTTP_BODY_CLOSE;
}

bool http_method_idempotent(enum http_method m)
{
	switch (m) {
	case HTTP_M_GET:
	case HTTP_M_HEAD:
	case HTTP_M_PUT:
	case HTTP_M_DELETE:
	case HTTP_M_OPTIONS:
	case HTTP_M_TRACE:
		return true;
	default:
		return false;
	}
}

bool http_keep_alive(const struct http_head *h)
{
	if (h->conn & HTTP_CONN_CLOSE)
		return false;
	return h->version == 11 || (h->conn & HTTP_CONN_KEEP_ALIVE);
}

const char *http_reason(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 408:
		return "Request Timeout";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 417:
		return "Expectation Failed";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}
