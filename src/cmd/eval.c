#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <errno.h>

#include "request/access.h"
#include "engine/action.h"
#include "util/arena.h"
#include "cmd/cmd.h"
#include "config.h"
#include "engine/decide.h"
#include "engine/explain.h"
#include "util/fingerprint.h"
#include "request/patch.h"
#include "gateway/reply.h"
#include "request/route.h"
#include "engine/policyset.h"
#include "engine/specifier.h"

#define EVAL_MAX_ALIASES	8

struct eval_args {
	const char	*config;
	/* --principal mode */
	const char	*principal;
	const char	*action;
	const char	*resources[EVAL_MAX_ALIASES];
	size_t		 nresources;
	/* --token-stdin mode: a request as the gateway would see it */
	int		 token_stdin;
	const char	*method;
	const char	*path;
	const char	*body;		/* file */
	const char	*content_type;
	const char	*key;		/* integration key, if not resolvable */
	const char	*override;
};

static void
eval_usage(FILE *f)
{
	fputs("usage: ldgate eval [-c CONFIG] --principal NAME --resource SPEC "
	    "[--resource SPEC...]\n"
	    "                   --action ACTION\n"
	    "       ldgate eval [-c CONFIG] --token-stdin --method M --path P "
	    "[--body FILE]\n"
	    "                   [--content-type T] [--override M] [--key KEY]\n"
	    "\n"
	    "Explains the decision for one access as JSON, in the shape of\n"
	    "LaunchDarkly's _access.allowed[] / denied[].  Repeated --resource\n"
	    "options name one object by several aliases.  A resource writes its\n"
	    "actual tags after ';' (proj/p:env/prod;critical), or ';?' where\n"
	    "they are unknown.  Exit 0 allow, 1 deny, 2 error.\n"
	    "\n"
	    "  -c, --config CONFIG   configuration file (default "
	    CONFIG_DEFAULT_PATH ")\n"
	    "  --principal NAME      a principal of the principals file\n"
	    "  --resource SPEC       the object acted on (repeatable)\n"
	    "  --action ACTION       e.g. updateOn, updateConfiguration\n"
	    "\n"
	    "The second form explains what the gateway would decide for a request:\n"
	    "the Authorization value is read on stdin, the path is the raw request\n"
	    "target, the body a file holding the JSON Patch (Content-Type default\n"
	    "application/json), --override an X-HTTP-Method-Override value.  An\n"
	    "integration configuration's key, which the gateway learns upstream,\n"
	    "is given with --key.\n", f);
}

static int
eval_parse(int argc, char **argv, struct eval_args *a)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "principal", required_argument, NULL, 'p' },
		{ "resource", required_argument, NULL, 'r' },
		{ "action", required_argument, NULL, 'a' },
		{ "token-stdin", no_argument, NULL, 't' },
		{ "method", required_argument, NULL, 'm' },
		{ "path", required_argument, NULL, 'P' },
		{ "body", required_argument, NULL, 'b' },
		{ "content-type", required_argument, NULL, 'T' },
		{ "key", required_argument, NULL, 'k' },
		{ "override", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			a->config = optarg;
			break;
		case 'p':
			a->principal = optarg;
			break;
		case 'a':
			a->action = optarg;
			break;
		case 'r':
			if (a->nresources == EVAL_MAX_ALIASES) {
				fprintf(stderr, "ldgate eval: at most %d "
				    "--resource aliases\n", EVAL_MAX_ALIASES);
				return -1;
			}
			a->resources[a->nresources++] = optarg;
			break;
		case 't':
			a->token_stdin = 1;
			break;
		case 'm':
			a->method = optarg;
			break;
		case 'P':
			a->path = optarg;
			break;
		case 'b':
			a->body = optarg;
			break;
		case 'T':
			a->content_type = optarg;
			break;
		case 'k':
			a->key = optarg;
			break;
		case 'o':
			a->override = optarg;
			break;
		case 'h':
			eval_usage(stdout);
			exit(0);
		default:
			eval_usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "ldgate eval: unexpected argument \"%s\"\n",
		    argv[optind]);
		return -1;
	}
	if (a->token_stdin) {
		if (a->method == NULL || a->path == NULL || a->principal ||
		    a->action || a->nresources) {
			fprintf(stderr, "ldgate eval: --token-stdin needs --method "
			    "and --path, and no --principal, --resource, "
			    "--action\n");
			return -1;
		}
		return 0;
	}
	if (a->principal == NULL || a->action == NULL || a->nresources == 0 ||
	    a->method || a->path || a->body || a->key || a->override) {
		fprintf(stderr, "ldgate eval: --principal, --resource and "
		    "--action are required (or --token-stdin, --method, --path)\n");
		eval_usage(stderr);
		return -1;
	}
	return 0;
}

static int
eval_resources(struct arena *arena, const struct eval_args *a,
    struct specifier *aliases)
{
	char	err[SPEC_ERR_MAX];
	size_t	i;

	for (i = 0; i < a->nresources; i++)
		if (specifier_parse(arena, a->resources[i], SPEC_RESOURCE,
		    &aliases[i], err, sizeof(err)) == -1) {
			fprintf(stderr, "ldgate eval: --resource \"%s\": %s\n",
			    a->resources[i], err);
			return -1;
		}
	return 0;
}

static void
print_json(json_t *out)
{
	json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(out);
}

/* A request the gateway refuses before deciding (400 or 403). */
static int
eval_refused(const struct eval_args *a, int status, const char *message)
{
	print_json(json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "decision",
	    "deny", "method", a->method, "path", a->path, "status", status,
	    "code", reply_code(status), "message", message));
	return 1;
}

/* The JSON Patch in a->body: 0 with actions set, or 1 when refused. */
static int
eval_patch(const struct eval_args *a, const struct config *conf,
    const struct route_match *m, unsigned *actions)
{
	struct patch_limits	 limits = { conf->limits.patch_ops,
				    conf->limits.json_depth };
	struct patch		 patch;
	char			*buf = NULL, err[256];
	size_t			 len = 0;
	FILE			*f;
	int			 rc;

	if (a->body == NULL)
		return eval_refused(a, 400, "a PATCH needs a body (--body FILE)");
	if ((f = fopen(a->body, "r")) == NULL) {
		fprintf(stderr, "ldgate eval: %s: %s\n", a->body, strerror(errno));
		return -1;
	}
	buf = malloc(conf->limits.body_bytes + 1);
	if (buf != NULL)
		len = fread(buf, 1, conf->limits.body_bytes + 1, f);
	fclose(f);
	if (buf == NULL || len > conf->limits.body_bytes) {
		free(buf);
		return eval_refused(a, 413, "body larger than limits.bodyBytes");
	}
	rc = patch_parse(buf, len, a->content_type ? a->content_type :
	    "application/json", m->kind == ROUTE_KIND_INTEGRATION ?
	    PATCH_TARGET_INTEGRATION : PATCH_TARGET_DELIVERY, &limits, &patch,
	    err, sizeof(err));
	free(buf);
	if (rc == -1)
		return eval_refused(a, 400, err);
	*actions = patch.actions;
	patch_clear(&patch);
	return 0;
}

/* What the gateway would decide for this request. */
static int
eval_request(const struct eval_args *a, const struct config *conf,
    const struct policyset *set)
{
	const struct principal	*p;
	struct route_match	 m;
	struct access_object	 obj;
	struct access_verdict	 v;
	const char		*ov[1] = { a->override };
	char			 tok[CMD_TOKEN_MAX + 2], fp[FINGERPRINT_LEN + 1];
	ssize_t			 len;
	unsigned		 actions = 0;
	int			 allow, rc;
	json_t			*allowed, *denied;

	if ((len = cmd_read_token("eval", tok, sizeof(tok))) == -1)
		return EXIT_USAGE;
	fingerprint(tok, (size_t)len, fp);
	explicit_bzero(tok, sizeof(tok));
	p = policyset_by_fingerprint(set, fp);
	switch (route_classify(a->method, ov, a->override ? 1 : 0, a->path,
	    &m)) {
	case ROUTE_PASS:
	case ROUTE_READ:
		print_json(json_pack("{s:s, s:s, s:s}", "decision", m.verdict ==
		    ROUTE_PASS && !conf->passthrough ? "deny" : "passthrough",
		    "method", a->method, "path", a->path));
		return m.verdict == ROUTE_PASS && !conf->passthrough;
	case ROUTE_BAD_REQUEST:
		return eval_refused(a, 400, m.reason);
	case ROUTE_FORBIDDEN:
		return eval_refused(a, 403, m.reason);
	case ROUTE_PROTECTED:
		break;
	}
	actions = m.actions;
	if (m.op == ROUTE_OP_PATCH && (rc = eval_patch(a, conf, &m,
	    &actions)) != 0)
		return rc == -1 ? EXIT_USAGE : rc;
	if (m.kind == ROUTE_KIND_INTEGRATION && m.op != ROUTE_OP_CREATE &&
	    a->key == NULL) {
		fprintf(stderr, "ldgate eval: integration configuration %s: pass "
		    "its integration key with --key (the gateway asks the "
		    "upstream)\n", m.id);
		return EXIT_USAGE;
	}
	access_object(&obj, &m, a->key);
	allowed = json_array();
	denied = json_array();
	allow = access_decide(set, p, &obj, actions, &v);
	access_explain(&v, &obj, allowed, denied);
	print_json(json_pack("{s:s, s:s?, s:s, s:s, s:s, s:{s:o, s:o}}",
	    "decision", allow ? "allow" : "deny", "principal", p ? p->name :
	    NULL, "method", m.method, "kind", route_kind_name(m.kind),
	    "resource", obj.text, "_access", "allowed", allowed, "denied",
	    denied));
	return allow ? 0 : 1;
}

static void
eval_print(const struct eval_args *a, const struct decide_result *r)
{
	json_t	*out, *allowed = json_array(), *denied = json_array();

	explain_access(allowed, denied, a->action, a->resources[0], r);
	out = json_pack("{s:s, s:s, s:s, s:{s:o, s:o}}",
	    "decision", r->allow ? "allow" : "deny",
	    "principal", a->principal, "action", a->action,
	    "_access", "allowed", allowed, "denied", denied);
	print_json(out);
}

static int
eval_principal(const struct eval_args *a, const struct policyset *set)
{
	const struct principal	*p;
	struct specifier	 aliases[EVAL_MAX_ALIASES];
	struct decide_result	 r;
	struct arena		*arena;
	int			 rc = EXIT_USAGE;

	arena = arena_new();
	if ((p = policyset_by_name(set, a->principal)) == NULL)
		fprintf(stderr, "ldgate eval: no principal named \"%s\"\n",
		    a->principal);
	else if (eval_resources(arena, a, aliases) == 0) {
		decide(set, p, aliases, a->nresources, a->action,
		    action_from_name(a->action), &r);
		eval_print(a, &r);
		rc = r.allow ? 0 : 1;
	}
	arena_free(arena);
	return rc;
}

int
cmd_eval(int argc, char **argv)
{
	struct eval_args	 a;
	struct config		*conf;
	struct policyset	*set;
	int			 rc;

	memset(&a, 0, sizeof(a));
	if (eval_parse(argc, argv, &a) == -1)
		return EXIT_USAGE;
	if (cmd_load(a.config, &conf, &set) == -1)
		return EXIT_USAGE;
	rc = a.token_stdin ? eval_request(&a, conf, set) :
	    eval_principal(&a, set);
	policyset_free(set);
	config_free(conf);
	return rc;
}
