#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "gateway/reply.h"

const char *
reply_code(int status)
{
	switch (status) {
	case 400:
		return "invalid_request";
	case 401:
		return "unauthorized";
	case 403:
		return "forbidden";
	case 413:
		return "request_too_large";
	case 502:
		return "upstream_unavailable";
	case 503:
		return "audit_unavailable";
	case 504:
		return "upstream_timeout";
	default:
		return "internal_error";
	}
}

static const char *
reason_phrase(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 413: return "Payload Too Large";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Error";
	}
}

void
reply_error(struct evhttp_request *req, int status, const char *code,
    const char *message, const char *id, json_t *extra)
{
	struct evbuffer	*buf = evbuffer_new();
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	json_t		*body;
	char		*text;

	body = json_pack("{s:s, s:s}", "code", code, "message", message);
	if (id != NULL)
		json_object_set_new(body, "id", json_string(id));
	if (extra != NULL) {
		json_object_update(body, extra);
		json_decref(extra);
	}
	text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(body);
	evhttp_remove_header(out, "Content-Type");
	evhttp_add_header(out, "Content-Type", "application/json");
	/* evhttp 2.1 writes a body even in answer to HEAD, which would
	 * desynchronise a keep-alive connection. */
	if (buf != NULL && text != NULL &&
	    evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		evbuffer_add(buf, text, strlen(text));
		evbuffer_add(buf, "\n", 1);
	}
	evhttp_send_reply(req, status, reason_phrase(status), buf);
	if (buf != NULL)
		evbuffer_free(buf);
	free(text);
}
