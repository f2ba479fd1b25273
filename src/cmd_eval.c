#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "action.h"
#include "arena.h"
#include "cmd.h"
#include "config.h"
#include "decide.h"
#include "explain.h"
#include "policyset.h"
#include "specifier.h"

#define EVAL_MAX_ALIASES	8

struct eval_args {
	const char	*config;
	const char	*principal;
	const char	*action;
	const char	*resources[EVAL_MAX_ALIASES];
	size_t		 nresources;
};

static void
eval_usage(FILE *f)
{
	fputs("usage: ldgate eval [-c CONFIG] --principal NAME --resource SPEC "
	    "[--resource SPEC...]\n"
	    "                   --action ACTION\n"
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
	    "  --action ACTION       e.g. updateOn, updateConfiguration\n", f);
}

static int
eval_parse(int argc, char **argv, struct eval_args *a)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "principal", required_argument, NULL, 'p' },
		{ "resource", required_argument, NULL, 'r' },
		{ "action", required_argument, NULL, 'a' },
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
		case 'h':
			eval_usage(stdout);
			exit(0);
		default:
			eval_usage(stderr);
			return -1;
		}
	}
	if (optind != argc || a->principal == NULL || a->action == NULL ||
	    a->nresources == 0) {
		fprintf(stderr, "ldgate eval: --principal, --resource and "
		    "--action are required\n");
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
eval_print(const struct eval_args *a, const struct decide_result *r)
{
	json_t	*out, *allowed = json_array(), *denied = json_array();

	explain_access(allowed, denied, a->action, a->resources[0], r);
	out = json_pack("{s:s, s:s, s:s, s:{s:o, s:o}}",
	    "decision", r->allow ? "allow" : "deny",
	    "principal", a->principal, "action", a->action,
	    "_access", "allowed", allowed, "denied", denied);
	json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(out);
}

int
cmd_eval(int argc, char **argv)
{
	struct eval_args	 a;
	struct config		*conf;
	struct policyset	*set;
	const struct principal	*p;
	struct specifier	 aliases[EVAL_MAX_ALIASES];
	struct decide_result	 r;
	struct arena		*arena;
	int			 rc = EXIT_USAGE;

	memset(&a, 0, sizeof(a));
	if (eval_parse(argc, argv, &a) == -1)
		return EXIT_USAGE;
	if (cmd_load(a.config, &conf, &set) == -1)
		return EXIT_USAGE;
	arena = arena_new();
	if ((p = policyset_by_name(set, a.principal)) == NULL)
		fprintf(stderr, "ldgate eval: no principal named \"%s\"\n",
		    a.principal);
	else if (eval_resources(arena, &a, aliases) == 0) {
		decide(set, p, aliases, a.nresources, a.action,
		    action_from_name(a.action), &r);
		eval_print(&a, &r);
		rc = r.allow ? 0 : 1;
	}
	arena_free(arena);
	policyset_free(set);
	config_free(conf);
	return rc;
}
