/*
 * `ldgate eval`: a decision explained as JSON.  The request form runs the
 * same pipeline as the gateway (request/pipeline.h) on a request given by
 * flags, so that what eval says is what `serve` does
 * (docs/architecture.md, "One pipeline").
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmd.h"
#include "config.h"
#include "engine/action.h"
#include "engine/decide.h"
#include "engine/explain.h"
#include "engine/policyset.h"
#include "engine/specifier.h"
#include "request/access.h"
#include "request/pipeline.h"
#include "util/arena.h"

#define EVAL_MAX_ALIASES	8
#define EVAL_MAX_HEADERS	32

struct eval_args {
	const char	*config;
	/* --principal mode */
	const char	*principal;
	const char	*action;
	const char	*resources[EVAL_MAX_ALIASES];
	size_t		 nresources;
	/* request mode: a request as the gateway would see it */
	int		 token_stdin;	/* Authorization value on stdin */
	const char	*method;
	const char	*path;
	const char	*body;		/* file */
	const char	*key;		/* integration key, if not resolvable */
	/* --header "Name: value", and the shorthands, in order: names and
	 * values point into argv or the tokens below. */
	const char	*hnames[EVAL_MAX_HEADERS];
	const char	*hvalues[EVAL_MAX_HEADERS];
	size_t		 nheaders;
};

static void
eval_usage(FILE *f)
{
	fputs("usage: ldgate eval [-c CONFIG] --principal NAME --resource SPEC "
	    "[--resource SPEC...]\n"
	    "                   --action ACTION\n"
	    "       ldgate eval [-c CONFIG] --method M --path P [--token-stdin] "
	    "[--body FILE]\n"
	    "                   [--header 'NAME: VALUE'...] [--content-type T] "
	    "[--override M]\n"
	    "                   [--key KEY]\n"
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
	    "The second form runs the gateway's own rules on a request and says\n"
	    "what the gateway would do: pass it through, refuse it (status, code,\n"
	    "message), or decide it.  The path is the raw request target; the body\n"
	    "a file.  Headers are given as the client would send them, each\n"
	    "--header once per header line (repeat one to send it twice); the\n"
	    "rules read Authorization, Content-Type, Content-Length,\n"
	    "Transfer-Encoding, X-HTTP-Method-Override and Connection.\n"
	    "  --token-stdin         read an Authorization value on stdin (keeps\n"
	    "                        the token out of the process list)\n"
	    "  --content-type T      the same as --header 'Content-Type: T'\n"
	    "  --override M          the same as --header "
	    "'X-HTTP-Method-Override: M'\n"
	    "  --key KEY             an integration configuration's key, which\n"
	    "                        the gateway learns upstream\n", f);
}

/* Adds a header; -1 when there are too many. */
static int
eval_add_header(struct eval_args *a, const char *name, const char *value)
{
	if (a->nheaders == EVAL_MAX_HEADERS) {
		fprintf(stderr, "ldgate eval: at most %d headers\n",
		    EVAL_MAX_HEADERS);
		return -1;
	}
	a->hnames[a->nheaders] = name;
	a->hvalues[a->nheaders++] = value;
	return 0;
}

/*
 * --header "Name: value": splits arg in place (argv is ours).  The name is
 * what precedes the first colon and must not be empty or hold white space;
 * the value is the rest without surrounding spaces and tabs.
 */
static int
eval_header_arg(struct eval_args *a, char *arg)
{
	char	*colon = strchr(arg, ':'), *v, *end;

	if (colon == NULL || colon == arg ||
	    strcspn(arg, " \t") < (size_t)(colon - arg)) {
		fprintf(stderr, "ldgate eval: --header \"%s\": expected "
		    "\"NAME: VALUE\"\n", arg);
		return -1;
	}
	*colon = '\0';
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	for (end = v + strlen(v); end > v && (end[-1] == ' ' ||
	    end[-1] == '\t'); end--)
		;
	*end = '\0';
	return eval_add_header(a, arg, v);
}

static int
eval_check_args(const struct eval_args *a)
{
	int	request = a->method || a->path || a->token_stdin || a->body ||
		    a->key || a->nheaders;

	if (request) {
		if (a->method == NULL || a->path == NULL || a->principal ||
		    a->action || a->nresources) {
			fprintf(stderr, "ldgate eval: a request needs --method "
			    "and --path, and no --principal, --resource, "
			    "--action\n");
			return -1;
		}
		return 0;
	}
	if (a->principal == NULL || a->action == NULL || a->nresources == 0) {
		fprintf(stderr, "ldgate eval: --principal, --resource and "
		    "--action are required (or --method and --path)\n");
		eval_usage(stderr);
		return -1;
	}
	return 0;
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
		{ "header", required_argument, NULL, 'H' },
		{ "content-type", required_argument, NULL, 'T' },
		{ "key", required_argument, NULL, 'k' },
		{ "override", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	ch, rc = 0;

	optind = 1;
	while (rc == 0 &&
	    (ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
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
		case 'H':
			rc = eval_header_arg(a, optarg);
			break;
		case 'T':
			rc = eval_add_header(a, "Content-Type", optarg);
			break;
		case 'k':
			a->key = optarg;
			break;
		case 'o':
			rc = eval_add_header(a, "X-HTTP-Method-Override", optarg);
			break;
		case 'h':
			eval_usage(stdout);
			exit(0);
		default:
			eval_usage(stderr);
			return -1;
		}
	}
	if (rc != 0)
		return -1;
	if (optind != argc) {
		fprintf(stderr, "ldgate eval: unexpected argument \"%s\"\n",
		    argv[optind]);
		return -1;
	}
	return eval_check_args(a);
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

/*
 * Reads the body file into a new buffer: up to one byte more than
 * limit, so that the pipeline sees an oversized body as oversized.
 * Returns 0, or -1 with a message printed.
 */
static int
eval_read_body(const char *path, uint64_t limit, char **out, size_t *len)
{
	FILE	*f;

	*out = NULL;
	*len = 0;
	if (path == NULL)
		return 0;
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "ldgate eval: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((*out = malloc(limit + 1)) == NULL) {
		fclose(f);
		fprintf(stderr, "ldgate eval: out of memory\n");
		return -1;
	}
	*len = fread(*out, 1, limit + 1, f);
	if (ferror(f)) {
		fprintf(stderr, "ldgate eval: %s: read error\n", path);
		fclose(f);
		free(*out);
		return -1;
	}
	fclose(f);
	return 0;
}

/* What the gateway answers itself: exit 1. */
static int
eval_refused(const struct eval_args *a, const struct pipeline_out *p,
    const char *decision, json_t *access)
{
	json_t	*out;

	out = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:b}", "decision",
	    decision, "method", a->method, "path", a->path, "status",
	    status_http(p->err), "code", status_code(p->err), "message",
	    p->message, "audited", p->audited);
	if (access != NULL)
		json_object_set_new(out, "_access", access);
	print_json(out);
	return 1;
}

/* The policy's decision on a request the pipeline let through. */
static int
eval_decide(const struct eval_args *a, const struct pipeline_conf *pc,
    struct pipeline_out *p)
{
	const struct principal	*who = p->principal;
	struct access_verdict	 v;
	json_t			*allowed = json_array(), *denied = json_array();
	int			 allow;

	allow = pipeline_decide(pc, p, &v);
	access_explain(&v, &p->obj, allowed, denied);
	if (!allow) {
		json_t	*access = json_pack("{s:o, s:o}", "allowed", allowed,
			    "denied", denied);

		eval_refused(a, p, "deny", access);
		return 1;
	}
	print_json(json_pack("{s:s, s:s?, s:s, s:s, s:s, s:{s:o, s:o}}",
	    "decision", "allow", "principal", who ? who->name : NULL,
	    "method", p->route.method, "kind", route_kind_name(p->route.kind),
	    "resource", p->obj.text, "_access", "allowed", allowed, "denied",
	    denied));
	return 0;
}

/* Runs the pipeline on the request the flags describe. */
static int
eval_pipeline(const struct eval_args *a, const struct pipeline_conf *pc,
    const char *token, const char *body, size_t len)
{
	struct pipeline_headers	 h;
	struct pipeline_in	 in;
	struct pipeline_out	 p;
	size_t			 i;
	int			 rc;

	memset(&h, 0, sizeof(h));
	if (token != NULL)
		pipeline_header(&h, "Authorization", token);
	for (i = 0; i < a->nheaders; i++)
		pipeline_header(&h, a->hnames[i], a->hvalues[i]);
	memset(&in, 0, sizeof(in));
	in.method = a->method;
	in.target = a->path;
	in.headers = &h;
	in.body = body;
	in.body_len = len;
	switch (pipeline_run(pc, &in, &p)) {
	case PIPELINE_FORWARD:
		print_json(json_pack("{s:s, s:s, s:s}", "decision",
		    "passthrough", "method", a->method, "path", a->path));
		rc = 0;
		break;
	case PIPELINE_REFUSE:
		rc = eval_refused(a, &p, "refused", NULL);
		break;
	case PIPELINE_NEED_KEY:
		if (a->key == NULL) {
			fprintf(stderr, "ldgate eval: integration configuration "
			    "%s: pass its integration key with --key (the "
			    "gateway asks the upstream)\n", p.route.id);
			rc = EXIT_USAGE;
			break;
		}
		if (!access_key_valid(a->key)) {
			fprintf(stderr, "ldgate eval: --key \"%s\": not an "
			    "integration key (1 to %d characters of "
			    "[A-Za-z0-9._-])\n", a->key, ROUTE_PARAM_MAX);
			rc = EXIT_USAGE;
			break;
		}
		pipeline_object(&p, a->key);
		/* FALLTHROUGH */
	case PIPELINE_DECIDE:
	default:
		rc = eval_decide(a, pc, &p);
		break;
	}
	pipeline_clear(&p);
	return rc;
}

/* What the gateway would do with this request. */
static int
eval_request(const struct eval_args *a, const struct config *conf,
    const struct policyset *set)
{
	struct pipeline_conf	 pc;
	char			 tok[CMD_TOKEN_MAX + 2], *body;
	size_t			 len;
	int			 rc;

	if (a->token_stdin && cmd_read_token("eval", tok, sizeof(tok)) == -1)
		return EXIT_USAGE;
	if (eval_read_body(a->body, conf->limits.body_bytes, &body, &len) == -1)
		rc = EXIT_USAGE;
	else {
		config_pipeline(conf, set, &pc);
		rc = eval_pipeline(a, &pc, a->token_stdin ? tok : NULL, body,
		    len);
	}
	free(body);
	explicit_bzero(tok, sizeof(tok));
	return rc;
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
	rc = a.method != NULL ? eval_request(&a, conf, set) :
	    eval_principal(&a, set);
	policyset_free(set);
	config_free(conf);
	return rc;
}
