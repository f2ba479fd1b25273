#include <sys/queue.h>
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "request/access.h"
#include "audit/audit.h"
#include "config.h"
#include "util/fingerprint.h"
#include "util/log.h"
#include "request/patch.h"
#include "engine/policyset.h"
#include "audit/record.h"
#include "audit/redact.h"
#include "gateway/reply.h"
#include "gateway/resolve.h"
#include "request/route.h"
#include "gateway/client.h"
#include "gateway/txn.h"
#include "gateway/upstream.h"
#include "gateway/worker.h"

#define TXN_ID_LEN		AUDIT_ID_LEN
#define TXN_MAX_OVERRIDES	4
#define RELAY_HIGH_WATER	(1024 * 1024)	/* client output, bytes */
#define RESOLVE_BODY_MAX	(1024 * 1024)

struct txn {
	TAILQ_ENTRY(txn)	 link;
	struct worker		*w;
	struct evhttp_request	*req;		/* the client's; see txn_finish */
	struct upstream_call	*call;		/* in flight, or NULL */
	struct event		*defer;		/* continues outside callbacks */
	void			(*next)(struct txn *);
	char			 id[TXN_ID_LEN + 1];
	struct route_match	 route;
	struct patch		 patch;
	unsigned		 actions;
	const struct principal	*principal;
	char			 key[ROUTE_PARAM_MAX + 1];	/* integration key */
	struct access_object	 obj;		/* what it acts on */
	/* The resolution GET's answer. */
	struct evbuffer		*rbody;
	int			 rstatus;
	int			 head_sent;	/* relaying: status line sent */
	int			 paused;	/* upstream reads off (slow client) */
	/* Audit: a protected route's decision record must be durable before
	 * ldgate acts on it; then it forwards or answers as below. */
	int			 audited;	/* this request gets records */
	struct audit_rec	*arec;		/* awaiting durability */
	struct event		*commit_timer;
	int			 then_forward;
	int			 relay_resolve;	/* answer with the GET's reply */
	int			 reply_status;
	json_t			*reply_extra;
	char			 reply_msg[256];
	char			 fp[FINGERPRINT_LEN + 1];
	const char		*auth;		/* borrowed from the request */
	struct evkeyvalq	 extra;		/* headers ldgate adds upstream */
	int64_t			 forwarded_ms;
	int			 upstream_status;
	int			 close_conn;	/* answer with Connection: close */
};

static void	txn_forward(struct txn *);
static void	txn_decide(struct txn *);

/* ------------------------------------------------------------ lifetime */

/* The only place a txn is freed.  The client request must be finished. */
static void
txn_free(struct txn *t)
{
	struct worker	*w = t->w;

	patch_clear(&t->patch);
	if (t->rbody != NULL)
		evbuffer_free(t->rbody);
	if (t->defer != NULL)
		event_free(t->defer);
	if (t->arec != NULL)
		audit_detach(t->arec);	/* still written; nobody waits */
	if (t->commit_timer != NULL)
		event_free(t->commit_timer);
	json_decref(t->reply_extra);
	evhttp_clear_headers(&t->extra);
	TAILQ_REMOVE(&w->txns, t, link);
	w->ntxns--;
	free(t);
	/* Shutdown waits for the last request (server.c drains). */
	if (w->stopping && w->ntxns == 0)
		worker_timer_arm(w->drain_timer, 0);
}

static void
txn_error(struct txn *t, int status, const char *message, json_t *extra)
{
	if (t->close_conn)
		evhttp_add_header(evhttp_request_get_output_headers(t->req),
		    "Connection", "close");
	reply_error(t->req, status, reply_code(status), message, t->id, extra);
	txn_free(t);
}

/* Runs fn(t) from the event loop, outside whatever callback we are in. */
static void
txn_deferred(evutil_socket_t fd, short ev, void *arg)
{
	struct txn	*t = arg;

	(void)fd;
	(void)ev;
	t->next(t);
}

static void
txn_defer(struct txn *t, void (*fn)(struct txn *))
{
	if (t->defer == NULL &&
	    (t->defer = event_new(t->w->base, -1, 0, txn_deferred, t)) == NULL) {
		txn_error(t, 502, "out of memory", NULL);
		return;
	}
	t->next = fn;
	event_active(t->defer, EV_TIMEOUT, 0);
}

int
txn_busy_on(struct worker *w, const struct evhttp_connection *evcon)
{
	struct txn	*t;

	TAILQ_FOREACH(t, &w->txns, link)
		if (t->req != NULL && evhttp_request_get_connection(t->req) ==
		    evcon)
			return 1;
	return 0;
}

void
txn_abort_all(struct worker *w)
{
	struct txn	*t;

	while ((t = TAILQ_FIRST(&w->txns)) != NULL) {
		if (t->call != NULL)
			upstream_cancel(t->call);
		/* The requests themselves go with evhttp_free(). */
		t->req = NULL;
		txn_free(t);
	}
}

/* ------------------------------------------------------------- relaying */

static int
relay_head(void *arg, int status, const char *reason, struct evkeyvalq *in)
{
	struct txn		*t = arg;
	struct evkeyvalq	*out = evhttp_request_get_output_headers(t->req);
	const struct evkeyval	*kv;
	const char		*cl = NULL;
	int			 ncl = 0;

	TAILQ_FOREACH(kv, in, next) {
		if (strcasecmp(kv->key, "Content-Length") == 0) {
			cl = kv->value;
			ncl++;
		} else if (!upstream_hop_header(kv->key) &&
		    !upstream_connection_named(in, kv->key))
			evhttp_add_header(out, kv->key, kv->value);
	}
	t->upstream_status = status;
	/* Keep the upstream's length (evhttp validated it) so the body is
	 * relayed as is rather than re-framed as chunks. */
	if (ncl == 1)
		evhttp_add_header(out, "Content-Length", cl);
	evhttp_send_reply_start(t->req, status, reason ? reason : "");
	t->head_sent = 1;
	return 0;
}

static void
relay_flushed(struct evhttp_connection *evcon, void *arg)
{
	struct txn	*t = arg;

	(void)evcon;
	if (t->paused && t->call != NULL) {
		t->paused = 0;
		upstream_resume(t->call);
	}
}

static void
relay_data(void *arg, struct evbuffer *buf)
{
	struct txn			*t = arg;
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;

	/* A client that went away takes no more (libevent #608). */
	if ((evcon = evhttp_request_get_connection(t->req)) == NULL) {
		evbuffer_drain(buf, evbuffer_get_length(buf));
		return;
	}
	evhttp_send_reply_chunk_with_cb(t->req, buf, relay_flushed, t);
	/* Chunked replies have no flow control (#536): stop reading the
	 * upstream until the client has taken what is queued. */
	bev = evhttp_connection_get_bufferevent(evcon);
	if (!t->paused && evbuffer_get_length(bufferevent_get_output(bev)) >
	    RELAY_HIGH_WATER) {
		t->paused = 1;
		upstream_pause(t->call);
	}
}

/* After a forwarded protected request: what became of it. */
static void
txn_outcome(struct txn *t, enum upstream_result result)
{
	const char	*code = result == UPSTREAM_OK ? NULL :
			    result == UPSTREAM_TIMEOUT ? reply_code(504) :
			    reply_code(502);
	char		*text;
	size_t		 len = 0;

	if (!t->audited)
		return;
	text = record_outcome(t->id, route_kind_name(t->route.kind),
	    t->upstream_status, code, audit_now_ms() - t->forwarded_ms, &len);
	if (audit_append_text(t->w->gw->audit, text, len) == -1)
		log_warnx("%s: outcome record lost (audit queue full or out "
		    "of memory)", t->id);
}

static void
relay_done(void *arg, enum upstream_result result, int sent)
{
	struct txn			*t = arg;
	struct evhttp_connection	*evcon;

	(void)sent;
	t->call = NULL;
	txn_outcome(t, result);
	if (result == UPSTREAM_OK && t->head_sent) {
		evhttp_send_reply_end(t->req);
		txn_free(t);
		return;
	}
	if (t->head_sent) {
		/* Part of a response went out: only closing the connection
		 * tells the client it is incomplete.  That frees the request. */
		log_warnx("%s: upstream failed mid-response; closing client "
		    "connection", t->id);
		if ((evcon = evhttp_request_get_connection(t->req)) != NULL)
			evhttp_connection_free(evcon);
		else
			evhttp_send_reply_end(t->req);
		txn_free(t);
		return;
	}
	log_warnx("%s: upstream %s", t->id, result == UPSTREAM_TIMEOUT ?
	    "timed out" : "unavailable");
	txn_error(t, result == UPSTREAM_TIMEOUT ? 504 : 502,
	    result == UPSTREAM_TIMEOUT ? "the upstream did not answer in time" :
	    "the upstream could not be reached over verified TLS", NULL);
}

static const struct upstream_cbs relay_cbs = {
	relay_head, relay_data, relay_done
};

static void
txn_forward(struct txn *t)
{
	struct evhttp_request	*req = t->req;

	/* The decision record's id travels with the change, so it can be
	 * traced from caller to LaunchDarkly. */
	if (t->audited) {
		evhttp_add_header(&t->extra, "X-Request-Id", t->id);
		t->forwarded_ms = audit_now_ms();
	}
	t->call = upstream_send(t->w->up, evhttp_request_get_command(req),
	    evhttp_request_get_uri(req), evhttp_request_get_input_headers(req),
	    t->audited ? &t->extra : NULL, evhttp_request_get_input_buffer(req),
	    &relay_cbs, t);
	if (t->call == NULL) {
		txn_outcome(t, UPSTREAM_UNAVAILABLE);
		txn_error(t, 502, "the upstream could not be reached", NULL);
	}
}

/* --------------------------------------------------------------- audit */

static void	resolve_relay(struct txn *);

static void
txn_act(struct txn *t)
{
	json_t	*extra = t->reply_extra;

	if (t->relay_resolve) {
		resolve_relay(t);
		return;
	}
	if (t->then_forward) {
		txn_forward(t);
		return;
	}
	t->reply_extra = NULL;
	txn_error(t, t->reply_status, t->reply_msg, extra);
}

static void
txn_durable(struct audit_rec *rec, int durable, void *arg)
{
	struct txn	*t = arg;

	(void)rec;
	t->arec = NULL;
	event_del(t->commit_timer);
	if (!durable) {
		log_warnx("%s: decision record not durable; refusing", t->id);
		txn_error(t, 503, "the audit trail is unavailable: nothing was "
		    "forwarded", NULL);
		return;
	}
	txn_act(t);
}

static void
txn_commit_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct txn	*t = arg;

	(void)fd;
	(void)ev;
	audit_detach(t->arec);
	t->arec = NULL;
	log_warnx("%s: decision record not durable within commitTimeoutMs; "
	    "refusing", t->id);
	txn_error(t, 503, "the audit trail is unavailable: nothing was forwarded",
	    NULL);
}

/* Where the client connects from, for the record. */
static void
txn_client(struct txn *t, char *buf, size_t len)
{
	struct evhttp_connection	*evcon;
	char				*addr = NULL;
	ev_uint16_t			 port = 0;

	buf[0] = '\0';
	if ((evcon = evhttp_request_get_connection(t->req)) != NULL) {
		evhttp_connection_get_peer(evcon, &addr, &port);
		if (addr != NULL)
			snprintf(buf, len, "%s:%u", addr, port);
	}
}

/*
 * Makes the decision record durable, then acts (forward, or the answer set
 * in t).  The record is built here, once: decision is "allow", "deny" or
 * "refused"; verdict (may be NULL) explains a decision.
 */
static void
txn_commit(struct txn *t, const char *decision,
    const struct access_verdict *verdict)
{
	const struct gateway	*gw = t->w->gw;
	const struct evkeyvalq	*in = evhttp_request_get_input_headers(t->req);
	struct record_facts	 f;
	struct timeval		 tv;
	char			 client[128], *text;
	size_t			 len = 0;

	txn_client(t, client, sizeof(client));
	memset(&f, 0, sizeof(f));
	f.id = t->id;
	f.kind = t->route.verdict == ROUTE_PROTECTED ?
	    route_kind_name(t->route.kind) : NULL;
	f.method = t->route.method[0] ? t->route.method : NULL;
	f.path = evhttp_request_get_uri(t->req);
	f.ld_api_version = evhttp_find_header(in, "LD-API-Version");
	f.client = client;
	f.principal = t->principal ? t->principal->name : NULL;
	f.fingerprint = t->fp[0] ? t->fp : NULL;
	f.token = t->auth;
	f.obj = t->obj.naliases ? &t->obj : NULL;
	f.actions = t->actions;
	f.comment = t->patch.comment;
	f.ops = t->patch.ops;
	f.redact = gw->redact;
	f.decision = decision;
	f.mode = gw->conf->mode == CONFIG_MODE_DRY_RUN ? "dry-run" : "enforce";
	f.verdict = verdict;
	f.policy_sha256 = gw->policy->sha256;
	f.status = t->then_forward ? 0 : t->reply_status;
	f.message = t->then_forward ? NULL : t->reply_msg;
	text = record_decision(&f, &len);
	t->arec = audit_submit_text(gw->audit, t->w->notify, text, len,
	    txn_durable, t);
	if (t->arec == NULL) {
		log_warnx("%s: decision record not queued (audit queue full "
		    "or out of memory); refusing", t->id);
		txn_error(t, 503, "the audit trail is unavailable: nothing was "
		    "forwarded", NULL);
		return;
	}
	if (t->commit_timer == NULL)
		t->commit_timer = evtimer_new(t->w->base, txn_commit_timeout, t);
	tv.tv_sec = gw->conf->audit.commit_timeout_ms / 1000;
	tv.tv_usec = (gw->conf->audit.commit_timeout_ms % 1000) * 1000;
	if (t->commit_timer != NULL)
		event_add(t->commit_timer, &tv);
}

/*
 * Refuses the request with status.  On a protected route the refusal is
 * audited first (extra is stolen either way).
 */
static void
txn_refuse(struct txn *t, int status, const char *message, json_t *extra)
{
	if (!t->audited) {
		txn_error(t, status, message, extra);
		return;
	}
	t->then_forward = 0;
	t->reply_status = status;
	t->reply_extra = extra;
	snprintf(t->reply_msg, sizeof(t->reply_msg), "%s", message);
	txn_commit(t, status == 403 && extra != NULL ? "deny" : "refused",
	    NULL);
}

/* ------------------------------------------------------------ resolving */

static int
resolve_head(void *arg, int status, const char *reason, struct evkeyvalq *in)
{
	struct txn	*t = arg;

	(void)reason;
	(void)in;
	t->rstatus = status;
	return 0;
}

static void
resolve_data(void *arg, struct evbuffer *buf)
{
	struct txn	*t = arg;

	if (evbuffer_get_length(t->rbody) + evbuffer_get_length(buf) >
	    RESOLVE_BODY_MAX) {
		evbuffer_drain(buf, evbuffer_get_length(buf));
		t->rstatus = -1;
		return;
	}
	evbuffer_add_buffer(t->rbody, buf);
}

/* The caller may not read the configuration: say what LaunchDarkly said. */
static void
resolve_relay(struct txn *t)
{
	if (t->audited && t->arec == NULL && !t->relay_resolve) {
		t->relay_resolve = 1;
		t->then_forward = 0;
		t->reply_status = t->rstatus;
		snprintf(t->reply_msg, sizeof(t->reply_msg), "the upstream "
		    "answered %d to reading the integration configuration",
		    t->rstatus);
		txn_commit(t, "refused", NULL);
		return;
	}
	struct evkeyvalq	*out = evhttp_request_get_output_headers(t->req);

	evhttp_add_header(out, "Content-Type", "application/json");
	evhttp_send_reply(t->req, t->rstatus, t->rstatus == 404 ? "Not Found" :
	    t->rstatus == 403 ? "Forbidden" : "Unauthorized", t->rbody);
	txn_free(t);
}

static void
resolve_done(void *arg, enum upstream_result result, int sent)
{
	struct txn	*t = arg;
	size_t		 len = evbuffer_get_length(t->rbody);

	(void)sent;
	t->call = NULL;
	if (result != UPSTREAM_OK) {
		txn_refuse(t, result == UPSTREAM_TIMEOUT ? 504 : 502, "could not "
		    "resolve the integration configuration's key upstream",
		    NULL);
		return;
	}
	if (t->rstatus == 401 || t->rstatus == 403 || t->rstatus == 404) {
		resolve_relay(t);
		return;
	}
	if (t->rstatus != 200 || resolve_parse_key((const char *)
	    evbuffer_pullup(t->rbody, -1), len, t->key, sizeof(t->key)) == -1) {
		log_warnx("%s: resolving integration configuration %s: upstream "
		    "status %d, no usable _integrationKey", t->id, t->route.id,
		    t->rstatus);
		txn_refuse(t, 502, "could not resolve the integration "
		    "configuration's key upstream", NULL);
		return;
	}
	resolve_store(t->w->resolve, t->route.id, t->key);
	/* Not from inside the upstream's callback: the connection this
	 * answer came on is about to be reused. */
	txn_defer(t, txn_decide);
}

static const struct upstream_cbs resolve_cbs = {
	resolve_head, resolve_data, resolve_done
};

/* GET the configuration with the caller's own credentials. */
static void
txn_resolve(struct txn *t)
{
	struct evkeyvalq	 hdrs;
	const char		*auth;
	char			 target[ROUTE_PARAM_MAX + 64];

	auth = evhttp_find_header(evhttp_request_get_input_headers(t->req),
	    "Authorization");
	TAILQ_INIT(&hdrs);
	evhttp_add_header(&hdrs, "Authorization", auth);
	evhttp_add_header(&hdrs, "LD-API-Version", "beta");
	evhttp_add_header(&hdrs, "Accept", "application/json");
	snprintf(target, sizeof(target), "/api/v2/integration-configurations/%s",
	    t->route.id);
	if ((t->rbody = evbuffer_new()) != NULL)
		t->call = upstream_send(t->w->up, EVHTTP_REQ_GET, target, &hdrs,
		    NULL, NULL, &resolve_cbs, t);
	evhttp_clear_headers(&hdrs);
	if (t->call == NULL)
		txn_refuse(t, 502, "could not resolve the integration "
		    "configuration's key upstream", NULL);
}

/* ------------------------------------------------------------- deciding */

static void
txn_decide(struct txn *t)
{
	const struct gateway	*gw = t->w->gw;
	struct access_verdict	 v;
	json_t			*denied;
	int			 allow, dry = gw->conf->mode == CONFIG_MODE_DRY_RUN;

	access_object(&t->obj, &t->route, t->key);
	allow = access_decide(gw->policy, t->principal, &t->obj, t->actions,
	    &v);
	/* Every decision is in the audit trail; the operator log names the
	 * denials (and, with -v, the rest). */
	(allow ? log_debug : log_info)("%s: %s %s principal=%s resource=%s "
	    "decision=%s%s", t->id, t->route.method,
	    route_kind_name(t->route.kind), t->principal ? t->principal->name :
	    "-", t->obj.text, allow ? "allow" : "deny", !allow && dry ?
	    " (dry-run: forwarded)" : "");
	t->then_forward = allow || dry;
	if (!t->then_forward) {
		/* The 403 body, in LaunchDarkly's shape: rare, so jansson. */
		denied = json_array();
		access_explain(&v, &t->obj, NULL, denied);
		t->reply_status = 403;
		t->reply_extra = json_pack("{s:{s:o}}", "_access", "denied",
		    denied);
		snprintf(t->reply_msg, sizeof(t->reply_msg), "%s",
		    "the gateway's policy denies this change");
	}
	txn_commit(t, allow ? "allow" : "deny", &v);
}

/* --------------------------------------------------------- intercepting */

static int
header_count(const struct evkeyvalq *h, const char *name, const char **last)
{
	const struct evkeyval	*kv;
	int			 n = 0;

	TAILQ_FOREACH(kv, h, next)
		if (strcasecmp(kv->key, name) == 0) {
			n++;
			*last = kv->value;
		}
	return n;
}

static int
txn_parse_patch(struct txn *t)
{
	const struct config	*conf = t->w->gw->conf;
	struct evbuffer		*body = evhttp_request_get_input_buffer(t->req);
	struct patch_limits	 limits;
	const char		*ctype;
	char			 err[256];
	size_t			 len = evbuffer_get_length(body);

	limits.max_ops = conf->limits.patch_ops;
	limits.max_depth = conf->limits.json_depth;
	ctype = evhttp_find_header(evhttp_request_get_input_headers(t->req),
	    "Content-Type");
	if (patch_parse((const char *)evbuffer_pullup(body, -1), len, ctype,
	    t->route.kind == ROUTE_KIND_INTEGRATION ? PATCH_TARGET_INTEGRATION :
	    PATCH_TARGET_DELIVERY, &limits, &t->patch, err, sizeof(err)) == -1) {
		txn_refuse(t, 400, err, NULL);
		return -1;
	}
	t->actions = t->patch.actions;
	return 0;
}

static void
txn_protected(struct txn *t)
{
	const struct evkeyvalq	*in = evhttp_request_get_input_headers(t->req);
	const char		*auth = NULL, *key;
	int			 nauth = header_count(in, "Authorization", &auth);

	if (nauth == 0) {
		txn_refuse(t, 401, "an Authorization header is required", NULL);
		return;
	}
	if (nauth > 1) {
		txn_refuse(t, 400, "more than one Authorization header", NULL);
		return;
	}
	/* The body is judged by one Content-Type; the upstream must not be
	 * able to pick another. */
	if (header_count(in, "Content-Type", &key) > 1) {
		txn_refuse(t, 400, "more than one Content-Type header", NULL);
		return;
	}
	t->auth = auth;
	fingerprint(auth, strlen(auth), t->fp);
	t->principal = policyset_by_fingerprint(t->w->gw->policy, t->fp);
	if (t->route.op == ROUTE_OP_PATCH) {
		if (txn_parse_patch(t) == -1)
			return;
	} else
		t->actions = t->route.actions;
	if (t->route.kind != ROUTE_KIND_INTEGRATION ||
	    t->route.op == ROUTE_OP_CREATE) {
		txn_decide(t);
		return;
	}
	if ((key = resolve_lookup(t->w->resolve, t->route.id)) != NULL) {
		snprintf(t->key, sizeof(t->key), "%s", key);
		txn_decide(t);
		return;
	}
	txn_resolve(t);
}

/*
 * Framing a proxy must not guess at (request smuggling): two
 * Content-Length headers, or Content-Length with Transfer-Encoding.
 */
static const char *
txn_framing(struct txn *t, const struct evkeyvalq *in)
{
	const char	*v;
	int		 ncl = header_count(in, "Content-Length", &v);
	int		 nte = header_count(in, "Transfer-Encoding", &v);

	if (ncl > 1)
		return "more than one Content-Length header";
	if (ncl > 0 && nte > 0)
		return "both Content-Length and Transfer-Encoding";
	if (client_header_folded(t->w, evhttp_request_get_connection(t->req))) {
		/* The stream can no longer be trusted: close after the 400. */
		t->close_conn = 1;
		return "a header line is folded (obs-fold, RFC 9112 section 5.2)";
	}
	return NULL;
}

static const char *
method_name(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_TRACE: return "TRACE";
	case EVHTTP_REQ_CONNECT: return "CONNECT";
	case EVHTTP_REQ_PATCH: return "PATCH";
	}
	return "";
}

static void
txn_route(struct txn *t)
{
	const struct evkeyvalq	*in = evhttp_request_get_input_headers(t->req);
	const struct evkeyval	*kv;
	const char		*ov[TXN_MAX_OVERRIDES], *why;
	size_t			 nov = 0;

	TAILQ_FOREACH(kv, in, next)
		if (strcasecmp(kv->key, "X-HTTP-Method-Override") == 0 &&
		    nov < TXN_MAX_OVERRIDES)
			ov[nov++] = kv->value;
	route_classify(method_name(evhttp_request_get_command(t->req)), ov, nov,
	    evhttp_request_get_uri(t->req), &t->route);
	/* Every request that would change an integration, even a refused
	 * one, is accounted for in the audit trail. */
	t->audited = t->route.intercepted && t->route.verdict != ROUTE_READ;
	if ((why = txn_framing(t, in)) != NULL) {
		txn_refuse(t, 400, why, NULL);
		return;
	}
	switch (t->route.verdict) {
	case ROUTE_PASS:
		if (!t->w->gw->conf->passthrough) {
			txn_error(t, 403, "this gateway forwards only "
			    "integration configuration changes", NULL);
			return;
		}
		/* FALLTHROUGH */
	case ROUTE_READ:
		txn_forward(t);
		return;
	case ROUTE_PROTECTED:
		txn_protected(t);
		return;
	case ROUTE_BAD_REQUEST:
		txn_refuse(t, 400, t->route.reason, NULL);
		return;
	case ROUTE_FORBIDDEN:
		txn_refuse(t, 403, t->route.reason, NULL);
		return;
	}
}

void
txn_handle(struct evhttp_request *req, void *arg)
{
	struct worker	*w = arg;
	struct txn	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		reply_error(req, 503, "internal_error", "out of memory", NULL,
		    NULL);
		return;
	}
	t->w = w;
	t->req = req;
	TAILQ_INIT(&t->extra);
	TAILQ_INSERT_TAIL(&w->txns, t, link);
	w->ntxns++;
	audit_id_new(t->id);
	txn_route(t);
}
