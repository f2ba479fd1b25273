#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "gateway/reply.h"

void
reply_error(struct evhttp_request *req, enum status_err err,
    const char *message, const char *id, json_t *extra)
{
	struct evbuffer	*buf = evbuffer_new();
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	json_t		*body;
	char		*text;

	body = json_pack("{s:s, s:s}", "code", status_code(err), "message",
	    message);
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
	evhttp_send_reply(req, status_http(err), status_reason(status_http(err)),
	    buf);
	if (buf != NULL)
		evbuffer_free(buf);
	free(text);
}
