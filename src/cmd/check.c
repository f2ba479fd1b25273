#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "config.h"
#include "util/diag.h"
#include "engine/policyset.h"

int
cmd_load(const char *path, struct config **confp, struct policyset **setp)
{
	struct diag	 diag;
	struct config	*conf;
	struct policyset *set = NULL;

	memset(&diag, 0, sizeof(diag));
	conf = config_load(path ? path : CONFIG_DEFAULT_PATH, &diag);
	if (conf != NULL)
		set = config_policy_load(conf, &diag);
	diag_print(&diag, stderr);
	diag_clear(&diag);
	if (set == NULL) {
		config_free(conf);
		return -1;
	}
	*confp = conf;
	*setp = set;
	return 0;
}

static void
check_usage(FILE *f)
{
	fputs("usage: ldgate check [-c CONFIG]\n"
	    "\n"
	    "Validates the configuration file and the roles, principals and\n"
	    "guardrails it names.  Prints every problem as file:line:column:\n"
	    "message and exits 1, or prints \"configuration OK\" and exits 0.\n"
	    "\n"
	    "  -c, --config CONFIG   configuration file (default "
	    CONFIG_DEFAULT_PATH ")\n", f);
}

int
cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct config		*conf;
	struct policyset	*set;
	const char		*path = NULL;
	int			 ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			check_usage(stdout);
			return 0;
		default:
			check_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "ldgate check: unexpected argument \"%s\"\n",
		    argv[optind]);
		check_usage(stderr);
		return EXIT_USAGE;
	}
	if (cmd_load(path, &conf, &set) == -1)
		return 1;
	printf("configuration OK\n");
	policyset_free(set);
	config_free(conf);
	return 0;
}
