/*
 * ldgate: a policy-enforcing reverse proxy for the LaunchDarkly REST API.
 * main() only dispatches to a subcommand: one file each in src/cmd/.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "util/log.h"

static const struct {
	const char	*name;
	int		(*run)(int, char **);
} commands[] = {
	{ "audit",	 cmd_audit },
	{ "check",	 cmd_check },
	{ "eval",	 cmd_eval },
	{ "fingerprint", cmd_fingerprint },
	{ "serve",	 cmd_serve },
	{ "version",	 cmd_version },
};

static void
usage(FILE *f)
{
	fputs("usage: ldgate COMMAND [OPTIONS]\n"
	    "\n"
	    "  serve [-c CONFIG]        run the gateway in the foreground\n"
	    "  check [-c CONFIG]        validate config and policies\n"
	    "  eval [-c CONFIG] --principal NAME --resource SPEC "
	    "[--resource SPEC...] --action ACTION\n"
	    "  eval [-c CONFIG] --token-stdin --method M --path P [--body FILE]\n"
	    "                           explain a decision as JSON; exit 0 "
	    "allow, 1 deny, 2 error\n"
	    "  audit verify [--prev HASH] FILE...\n"
	    "                           check an audit trail's hash chain\n"
	    "  audit hash [-c CONFIG] --value JSON\n"
	    "                           the recorded form of a redacted value\n"
	    "  fingerprint              read a token on stdin, print its "
	    "sha256: fingerprint\n"
	    "  version                  print the version\n"
	    "\n"
	    "'ldgate COMMAND --help' describes a command.\n", f);
}

int
main(int argc, char **argv)
{
	size_t	i;

	log_init("ldgate", 0);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(argc - 1, argv + 1);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "ldgate: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
