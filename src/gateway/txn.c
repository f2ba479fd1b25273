#include <sys/queue.h>
#include <sys/time.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "audit/audit.h"
#include "audit/record.h"
#include "config.h"
#include "engine/policyset.h"
#include "gateway/client.h"
#include "gateway/reply.h"
#include "gateway/resolve.h"
#include "gateway/txn.h"
#include "gateway/upstream.h"
#include "gateway/worker.h"
#include "request/pipeline.h"
#include "util/log.h"

#define RELAY_HIGH_WATER	(1024 * 1024)	/* client output, bytes */
#define RESOLVE_BODY_MAX	(1024 * 1024)

/*
 * The steps of a request, named by what comes next.  The three waiting
 * states end when a callback sets the next state and calls txn_advance().
 */
enum txn_state {
	TXN_ROUTE = 1,		/* run the pipeline */
	TXN_KEY,		/* the integration key: cache, or ask upstream */
	TXN_RESOLVING,		/* waiting: the key's GET upstream */
	TXN_DECIDE,		/* decide every access */
	TXN_COMMIT,		/* build and submit the decision record */
	TXN_DURABLE,		/* waiting: the record's fdatasync */
	TXN_FORWARD,		/* send the request upstream */
	TXN_RELAYING,		/* waiting: the upstream's response */
	TXN_ANSWER,		/* ldgate's own answer (p.err, p.message) */
	TXN_RELAY_REFUSAL,	/* relay the key GET's 401/403/404 */
	TXN_DONE		/* free */
};

struct txn {
	TAILQ_ENTRY(txn)	 link;
	struct worker		*w;
	struct evhttp_request	*req;		/* the client's; see TXN_DONE */
	enum txn_state		 state;
	char			 id[AUDIT_ID_LEN + 1];
	struct snapshot		*snap;		/* the configuration it began
						   under (a reference) */
	struct pipeline_out	 p;		/* route, patch, principal... */
	struct upstream_call	*call;		/* in flight, or NULL */
	struct event		*defer;		/* continues outside callbacks */
	/* Deciding. */
	char			 key[ROUTE_PARAM_MAX + 1];	/* integration */
	struct access_verdict	 verdict;
	int			 decided;	/* verdict is set */
	int			 allowed;
	/* The key's GET: its answer. */
	struct evbuffer		*rbody;
	int			 rstatus;
	/* Audit: a protected route's decision record is durable before
	 * ldgate acts on it; then it takes the step in after. */
	struct audit_rec	*arec;		/* awaiting durability */
	struct event		*commit_timer;
	enum txn_state		 after;
	json_t			*reply_extra;	/* merged into the answer */
	/* Relaying. */
	struct evkeyvalq	 extra;		/* headers ldgate adds upstream */
	int64_t			 forwarded_ms;
	int			 upstream_status;
	int			 head_sent;	/* status line sent to the client */
	int			 paused;	/* upstream reads off (slow client) */
};

static void	txn_advance(struct txn *);

/* ------------------------------------------------------------ lifetime */

/* The TXN_DONE step: the client request must be finished. */
static void
txn_free(struct txn *t)
{
	struct worker	*w = t->w;

	pipeline_clear(&t->p);
	snapshot_unref(t->snap);
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

/* Sets ldgate's own answer as the next step. */
static void
txn_fail(struct txn *t, enum status_err err, const char *message)
{
	t->p.err = err;
	snprintf(t->p.message, sizeof(t->p.message), "%s", message);
	t->state = TXN_ANSWER;
}

/* Resource exhaustion (memory, fds) while handling a request: 503
 * overloaded, nothing forwarded (docs/design.md section 8). */
static void
txn_overloaded(struct txn *t, const char *what)
{
	log_warnx("%s: %s; refusing as overloaded", t->id, what);
	txn_fail(t, STATUS_OVERLOADED, "the gateway is out of resources: "
	    "nothing was forwarded");
}

/* Did upstream_send fail for lack of ldgate's own memory or fds? */
static int
txn_exhausted(int err)
{
	return err == ENOMEM || err == EMFILE || err == ENFILE ||
	    err == ENOBUFS;
}

static void
txn_deferred(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	txn_advance(arg);
}

/* Takes the next step from the event loop, outside the current callback. */
static void
txn_defer(struct txn *t)
{
	if (t->defer == NULL &&
	    (t->defer = event_new(t->w->base, -1, 0, txn_deferred, t)) == NULL) {
		txn_overloaded(t, "no event for the next step");
		txn_advance(t);
		return;
	}
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

	/* A client that went away takes no more (docs/libevent.md item 6,
	 * libevent #608). */
	if ((evcon = evhttp_request_get_connection(t->req)) == NULL) {
		evbuffer_drain(buf, evbuffer_get_length(buf));
		return;
	}
	evhttp_send_reply_chunk_with_cb(t->req, buf, relay_flushed, t);
	/* Chunked replies have no flow control (docs/libevent.md item 4,
	 * libevent #536): stop reading the upstream until the client has
	 * taken what is queued. */
	bev = evhttp_connection_get_bufferevent(evcon);
	if (!t->paused && evbuffer_get_length(bufferevent_get_output(bev)) >
	    RELAY_HIGH_WATER) {
		t->paused = 1;
		upstream_pause(t->call);
	}
}

/* After a forwarded protected request: what became of it (err 0: the
 * upstream answered). */
static void
txn_outcome(struct txn *t, enum status_err err)
{
	const char	*code = err ? status_code(err) : NULL;
	char		*text;
	size_t		 len = 0;

	if (!t->p.audited)
		return;
	text = record_outcome(t->id, route_kind_name(t->p.route.kind),
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
	txn_outcome(t, result == UPSTREAM_OK ? 0 : result == UPSTREAM_TIMEOUT ?
	    STATUS_UPSTREAM_TIMEOUT : STATUS_UPSTREAM_UNAVAILABLE);
	t->state = TXN_DONE;
	if (result == UPSTREAM_OK && t->head_sent)
		evhttp_send_reply_end(t->req);
	else if (t->head_sent) {
		/* Part of a response went out: only closing the connection
		 * tells the client it is incomplete.  That frees the request. */
		log_warnx("%s: upstream failed mid-response; closing client "
		    "connection", t->id);
		if ((evcon = evhttp_request_get_connection(t->req)) != NULL)
			evhttp_connection_free(evcon);
		else
			evhttp_send_reply_end(t->req);
	} else {
		log_warnx("%s: upstream %s", t->id, result == UPSTREAM_TIMEOUT ?
		    "timed out" : "unavailable");
		if (result == UPSTREAM_TIMEOUT)
			txn_fail(t, STATUS_UPSTREAM_TIMEOUT, "the upstream did "
			    "not answer in time");
		else
			txn_fail(t, STATUS_UPSTREAM_UNAVAILABLE, "the upstream "
			    "could not be reached over verified TLS");
	}
	txn_advance(t);
}

static const struct upstream_cbs relay_cbs = {
	relay_head, relay_data, relay_done
};

/* TXN_FORWARD: the request goes upstream as it came. */
static void
txn_forward(struct txn *t)
{
	struct evhttp_request	*req = t->req;

	/* The decision record's id travels with the change, so it can be
	 * traced from caller to LaunchDarkly. */
	if (t->p.audited) {
		evhttp_add_header(&t->extra, "X-Request-Id", t->id);
		t->forwarded_ms = audit_now_ms();
	}
	t->state = TXN_RELAYING;
	t->call = upstream_send(t->w->up, evhttp_request_get_command(req),
	    evhttp_request_get_uri(req), evhttp_request_get_input_headers(req),
	    t->p.audited ? &t->extra : NULL,
	    evhttp_request_get_input_buffer(req), &relay_cbs, t);
	if (t->call == NULL && txn_exhausted(errno)) {
		txn_outcome(t, STATUS_OVERLOADED);
		txn_overloaded(t, "no memory or fd for the upstream request");
	} else if (t->call == NULL) {
		txn_outcome(t, STATUS_UPSTREAM_UNAVAILABLE);
		txn_fail(t, STATUS_UPSTREAM_UNAVAILABLE, "the upstream could not "
		    "be reached");
	}
}

/* --------------------------------------------------------------- answers */

/* TXN_ANSWER: ldgate's own answer, in LaunchDarkly's error shape. */
static void
txn_answer(struct txn *t)
{
	json_t	*extra = t->reply_extra;

	t->reply_extra = NULL;
	if (t->p.close)
		evhttp_add_header(evhttp_request_get_output_headers(t->req),
		    "Connection", "close");
	reply_error(t->req, t->p.err, t->p.message, t->id, extra);
	t->state = TXN_DONE;
}

/* TXN_RELAY_REFUSAL: the caller may not read the configuration; say what
 * LaunchDarkly said. */
static void
txn_relay_refusal(struct txn *t)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(t->req);

	evhttp_add_header(out, "Content-Type", "application/json");
	evhttp_send_reply(t->req, t->rstatus, status_reason(t->rstatus),
	    t->rbody);
	t->state = TXN_DONE;
}

/* --------------------------------------------------------------- audit */

/* The decision record is not durable (why): 503, whatever was decided. */
static void
txn_not_durable(struct txn *t, const char *why)
{
	log_warnx("%s: decision record %s; refusing", t->id, why);
	json_decref(t->reply_extra);
	t->reply_extra = NULL;
	txn_fail(t, STATUS_AUDIT_UNAVAILABLE, "the audit trail is unavailable: "
	    "nothing was forwarded");
}

static void
txn_durable(struct audit_rec *rec, int durable, void *arg)
{
	struct txn	*t = arg;

	(void)rec;
	t->arec = NULL;
	event_del(t->commit_timer);
	if (durable)
		t->state = t->after;
	else
		txn_not_durable(t, "not durable");
	txn_advance(t);
}

static void
txn_commit_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct txn	*t = arg;

	(void)fd;
	(void)ev;
	audit_detach(t->arec);
	t->arec = NULL;
	txn_not_durable(t, "not durable within commitTimeoutMs");
	txn_advance(t);
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

/* The decision record's text (malloc'd), or NULL when memory ran out. */
static char *
txn_record(struct txn *t, size_t *len)
{
	const struct gateway	*gw = t->w->gw;
	const struct evkeyvalq	*in = evhttp_request_get_input_headers(t->req);
	struct record_facts	 f;
	char			 client[128];

	txn_client(t, client, sizeof(client));
	memset(&f, 0, sizeof(f));
	f.id = t->id;
	f.kind = t->p.route.verdict == ROUTE_PROTECTED ?
	    route_kind_name(t->p.route.kind) : NULL;
	f.method = t->p.route.method[0] ? t->p.route.method : NULL;
	f.path = evhttp_request_get_uri(t->req);
	f.ld_api_version = evhttp_find_header(in, "LD-API-Version");
	f.client = client;
	f.principal = t->p.principal ? t->p.principal->name : NULL;
	f.fingerprint = t->p.fp[0] ? t->p.fp : NULL;
	f.token = t->p.auth;
	f.obj = t->p.obj.naliases ? &t->p.obj : NULL;
	f.actions = t->p.actions;
	f.comment = t->p.patch.comment;
	f.ops = t->p.patch.ops;
	f.redact = gw->redact;
	f.decision = !t->decided ? "refused" : t->allowed ? "allow" : "deny";
	f.mode = t->snap->dry_run ? "dry-run" : "enforce";
	f.verdict = t->decided ? &t->verdict : NULL;
	f.policy_sha256 = t->snap->set->sha256;
	if (t->after == TXN_ANSWER) {
		f.status = status_http(t->p.err);
		f.message = t->p.message;
	} else if (t->after == TXN_RELAY_REFUSAL) {
		f.status = t->rstatus;
		f.message = t->p.message;
	}
	return record_decision(&f, len);
}

/*
 * TXN_COMMIT: submits the decision record; its durability (or the commit
 * timeout) takes the step in t->after.
 */
static void
txn_commit(struct txn *t)
{
	const struct gateway	*gw = t->w->gw;
	uint32_t		 ms = gw->conf->audit.commit_timeout_ms;
	char			*text;
	size_t			 len = 0;

	if (t->commit_timer == NULL &&
	    (t->commit_timer = evtimer_new(t->w->base, txn_commit_timeout,
	    t)) == NULL) {
		txn_overloaded(t, "no timer for the decision record");
		return;
	}
	text = txn_record(t, &len);
	t->state = TXN_DURABLE;
	t->arec = audit_submit_text(gw->audit, t->w->notify, text, len,
	    txn_durable, t);
	if (t->arec == NULL) {
		txn_not_durable(t, "not queued (audit queue full or out of "
		    "memory)");
		return;
	}
	worker_timer_arm(t->commit_timer, ms);
}

/*
 * A refusal: answered at once, or -- on an audited route -- once its
 * decision record is durable.
 */
static void
txn_refuse(struct txn *t, enum txn_state answer)
{
	t->after = answer;
	t->state = t->p.audited ? TXN_COMMIT : answer;
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

static void
resolve_failed(struct txn *t, enum status_err err)
{
	txn_fail(t, err, "could not resolve the integration configuration's "
	    "key upstream");
	txn_refuse(t, TXN_ANSWER);
}

static void
resolve_done(void *arg, enum upstream_result result, int sent)
{
	struct txn	*t = arg;
	size_t		 len = evbuffer_get_length(t->rbody);

	(void)sent;
	t->call = NULL;
	if (result != UPSTREAM_OK)
		resolve_failed(t, result == UPSTREAM_TIMEOUT ?
		    STATUS_UPSTREAM_TIMEOUT : STATUS_UPSTREAM_UNAVAILABLE);
	else if (t->rstatus == 401 || t->rstatus == 403 || t->rstatus == 404) {
		snprintf(t->p.message, sizeof(t->p.message), "the upstream "
		    "answered %d to reading the integration configuration",
		    t->rstatus);
		txn_refuse(t, TXN_RELAY_REFUSAL);
	} else if (t->rstatus != 200 || resolve_parse_key((const char *)
	    evbuffer_pullup(t->rbody, -1), len, t->key, sizeof(t->key)) == -1) {
		log_warnx("%s: resolving integration configuration %s: upstream "
		    "status %d, no usable _integrationKey", t->id, t->p.route.id,
		    t->rstatus);
		resolve_failed(t, STATUS_UPSTREAM_UNAVAILABLE);
	} else {
		resolve_store(t->w->resolve, t->p.route.id, t->key);
		pipeline_object(&t->p, t->key);
		t->state = TXN_DECIDE;
	}
	/* Not from inside the upstream's callback: the connection this
	 * answer came on is about to be reused. */
	txn_defer(t);
}

static const struct upstream_cbs resolve_cbs = {
	resolve_head, resolve_data, resolve_done
};

/* TXN_KEY: the key of an integration configuration, cached or asked for
 * upstream with the caller's own credentials. */
static void
txn_key(struct txn *t)
{
	struct evkeyvalq	 hdrs;
	const char		*key;
	char			 target[ROUTE_PARAM_MAX + 64];

	if ((key = resolve_lookup(t->w->resolve, t->p.route.id)) != NULL) {
		snprintf(t->key, sizeof(t->key), "%s", key);
		pipeline_object(&t->p, t->key);
		t->state = TXN_DECIDE;
		return;
	}
	TAILQ_INIT(&hdrs);
	evhttp_add_header(&hdrs, "Authorization", t->p.auth);
	evhttp_add_header(&hdrs, "LD-API-Version", "beta");
	evhttp_add_header(&hdrs, "Accept", "application/json");
	snprintf(target, sizeof(target), "/api/v2/integration-configurations/%s",
	    t->p.route.id);
	t->state = TXN_RESOLVING;
	errno = ENOMEM;
	if ((t->rbody = evbuffer_new()) != NULL)
		t->call = upstream_send(t->w->up, EVHTTP_REQ_GET, target, &hdrs,
		    NULL, NULL, &resolve_cbs, t);
	if (t->call == NULL && txn_exhausted(errno)) {
		log_warnx("%s: no memory or fd to learn the integration key; "
		    "refusing as overloaded", t->id);
		txn_fail(t, STATUS_OVERLOADED, "the gateway is out of "
		    "resources: nothing was forwarded");
		txn_refuse(t, TXN_ANSWER);
	} else if (t->call == NULL)
		resolve_failed(t, STATUS_UPSTREAM_UNAVAILABLE);
	evhttp_clear_headers(&hdrs);
}

/* ------------------------------------------------------------- deciding */

/* TXN_DECIDE: the policy's decision, then its record. */
static void
txn_decide(struct txn *t)
{
	json_t			*denied;
	int			 dry = t->snap->dry_run;

	t->allowed = pipeline_decide(&t->snap->pipeline, &t->p, &t->verdict);
	t->decided = 1;
	/* Every decision is in the audit trail; the operator log names the
	 * denials (and, with -v, the rest). */
	(t->allowed ? log_debug : log_info)("%s: %s %s principal=%s "
	    "resource=%s decision=%s%s", t->id, t->p.route.method,
	    route_kind_name(t->p.route.kind), t->p.principal ?
	    t->p.principal->name : "-", t->p.obj.text, t->allowed ? "allow" :
	    "deny", !t->allowed && dry ? " (dry-run: forwarded)" : "");
	if (!t->allowed && !dry) {
		/* The 403 body, in LaunchDarkly's shape: rare, so jansson. */
		denied = json_array();
		access_explain(&t->verdict, &t->p.obj, NULL, denied);
		t->reply_extra = json_pack("{s:{s:o}}", "_access", "denied",
		    denied);
	}
	t->after = t->allowed || dry ? TXN_FORWARD : TXN_ANSWER;
	t->state = TXN_COMMIT;
}

/* --------------------------------------------------------------- routing */

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

/* TXN_ROUTE: the request through the pipeline; its answer names the next
 * step. */
static void
txn_route(struct txn *t)
{
	struct evhttp_request	*req = t->req;
	struct evbuffer		*body = evhttp_request_get_input_buffer(req);
	const struct evkeyval	*kv;
	struct pipeline_headers	 h;
	struct pipeline_in	 in;

	memset(&h, 0, sizeof(h));
	TAILQ_FOREACH(kv, evhttp_request_get_input_headers(req), next)
		pipeline_header(&h, kv->key, kv->value);
	in.method = method_name(evhttp_request_get_command(req));
	in.target = evhttp_request_get_uri(req);
	in.headers = &h;
	in.folded = client_header_folded(t->w,
	    evhttp_request_get_connection(req));
	in.body_len = evbuffer_get_length(body);
	in.body = in.body_len ? (const char *)evbuffer_pullup(body, -1) : NULL;
	switch (pipeline_run(&t->snap->pipeline, &in, &t->p)) {
	case PIPELINE_FORWARD:
		t->state = TXN_FORWARD;
		break;
	case PIPELINE_REFUSE:
		txn_refuse(t, TXN_ANSWER);
		break;
	case PIPELINE_NEED_KEY:
		t->state = TXN_KEY;
		break;
	case PIPELINE_DECIDE:
		t->state = TXN_DECIDE;
		break;
	}
}

/*
 * Takes steps until the request waits on an event or is done.  Each step
 * sets t->state to the next; callbacks set it and call back in here.
 */
static void
txn_advance(struct txn *t)
{
	for (;;) {
		switch (t->state) {
		case TXN_ROUTE:
			txn_route(t);
			break;
		case TXN_KEY:
			txn_key(t);
			break;
		case TXN_DECIDE:
			txn_decide(t);
			break;
		case TXN_COMMIT:
			txn_commit(t);
			break;
		case TXN_FORWARD:
			txn_forward(t);
			break;
		case TXN_ANSWER:
			txn_answer(t);
			break;
		case TXN_RELAY_REFUSAL:
			txn_relay_refusal(t);
			break;
		case TXN_DONE:
			txn_free(t);
			return;
		case TXN_RESOLVING:
		case TXN_DURABLE:
		case TXN_RELAYING:
			return;
		}
	}
}

void
txn_handle(struct evhttp_request *req, void *arg)
{
	struct worker	*w = arg;
	struct txn	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		log_warnx("out of memory for a request; refusing as overloaded");
		reply_error(req, STATUS_OVERLOADED, "the gateway is out of "
		    "resources: nothing was forwarded", NULL, NULL);
		return;
	}
	t->w = w;
	t->req = req;
	t->snap = snapshot_ref(w->snap);
	t->state = TXN_ROUTE;
	TAILQ_INIT(&t->extra);
	TAILQ_INSERT_TAIL(&w->txns, t, link);
	w->ntxns++;
	audit_id_new(t->id);
	txn_advance(t);
}
