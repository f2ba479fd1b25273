/*
 * `ldgate audit verify` and `ldgate audit hash` (docs/design.md section 5).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "audit/audit.h"
#include "cmd/cmd.h"
#include "config.h"
#include "util/diag.h"
#include "audit/redact.h"

static void
audit_usage(FILE *f)
{
	fputs("usage: ldgate audit verify [--prev HASH] FILE...\n"
	    "       ldgate audit hash [-c CONFIG] --value JSON\n"
	    "\n"
	    "verify  checks the hash chain of an audit trail given as files\n"
	    "        in order (audit.log.1 before audit.log).  Prints the first\n"
	    "        broken line as FILE:LINE: why and exits 1, or prints\n"
	    "        \"N records, seq A..B, last sha256 H\" and exits 0.\n"
	    "        --prev HASH: the trail starts after a line of that hash\n"
	    "        (the last hash of an earlier verification) instead of at\n"
	    "        its very first record.\n"
	    "hash    prints the form under which a redacted value is\n"
	    "        recorded, using the key file the configuration names.\n"
	    "        --value - reads the JSON from stdin (a value in argv\n"
	    "        shows in ps).\n"
	    "\n"
	    "  -c, --config CONFIG   configuration file (default "
	    CONFIG_DEFAULT_PATH ")\n", f);
}

static void
verify_note(const char *msg)
{
	fprintf(stderr, "%s\n", msg);
}

static int
is_hash(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	return i == AUDIT_HASH_LEN;
}

static int
audit_verify_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "prev", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct audit_verify	v;
	int			ch, i, rc = 0;

	memset(&v, 0, sizeof(v));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (!is_hash(optarg)) {
				fprintf(stderr, "ldgate audit verify: --prev: "
				    "expected 64 lowercase hex digits\n");
				return EXIT_USAGE;
			}
			memcpy(v.prev, optarg, sizeof(v.prev));
			break;
		case 'h':
			audit_usage(stdout);
			return 0;
		default:
			audit_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "ldgate audit verify: no FILE\n");
		audit_usage(stderr);
		return EXIT_USAGE;
	}
	for (i = optind; i < argc && rc == 0; i++)
		rc = audit_verify_file(&v, argv[i], verify_note);
	if (rc == -1) {
		fprintf(stderr, "ldgate audit verify: %s\n", v.why);
		return EXIT_USAGE;
	}
	if (rc == 1) {
		fprintf(stderr, "%s\n", v.why);
		return 1;
	}
	if (v.records == 0)
		printf("0 records, last sha256 %s\n", v.last);
	else
		printf("%llu records, seq %llu..%llu, last sha256 %s\n",
		    (unsigned long long)v.records,
		    (unsigned long long)v.seq_first,
		    (unsigned long long)v.seq_last, v.last);
	return 0;
}

/* The key file named by the configuration at path, or NULL (printed). */
static struct redact *
hash_key(const char *path)
{
	struct diag	 diag;
	struct config	*conf;
	struct redact	*r = NULL;
	char		 err[512];

	memset(&diag, 0, sizeof(diag));
	conf = config_load(path ? path : CONFIG_DEFAULT_PATH, &diag);
	diag_print(&diag, stderr);
	diag_clear(&diag);
	if (conf == NULL)
		return NULL;
	/* Never create it here: a new key matches nothing recorded. */
	if ((r = redact_open(conf->audit.key_file, 0, err, sizeof(err))) ==
	    NULL)
		fprintf(stderr, "ldgate audit hash: %s\n", err);
	config_free(conf);
	return r;
}

static json_t *
hash_value(const char *text)
{
	json_error_t	 e;
	json_t		*j;
	size_t		 flags = JSON_DECODE_ANY | JSON_REJECT_DUPLICATES;

	if (strcmp(text, "-") == 0)
		j = json_loadf(stdin, flags, &e);
	else
		j = json_loads(text, flags, &e);
	if (j == NULL)
		fprintf(stderr, "ldgate audit hash: --value: %s (column %d)\n",
		    e.text, e.column);
	return j;
}

static int
audit_hash_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "value", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct redact	*r;
	json_t		*value;
	const char	*path = NULL, *text = NULL;
	char		 form[REDACT_LEN + 1];
	int		 ch, rc = 1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'v':
			text = optarg;
			break;
		case 'h':
			audit_usage(stdout);
			return 0;
		default:
			audit_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (text == NULL || optind != argc) {
		fprintf(stderr, "ldgate audit hash: %s\n", text == NULL ?
		    "--value is required" : "unexpected argument");
		audit_usage(stderr);
		return EXIT_USAGE;
	}
	if ((value = hash_value(text)) == NULL)
		return 1;
	if ((r = hash_key(path)) != NULL) {
		if (redact_value(r, value, form) == 0) {
			printf("%s\n", form);
			rc = 0;
		} else
			fprintf(stderr, "ldgate audit hash: out of memory\n");
		redact_free(r);
	}
	json_decref(value);
	return rc;
}

int
cmd_audit(int argc, char **argv)
{
	if (argc < 2) {
		audit_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		audit_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "verify") == 0)
		return audit_verify_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "hash") == 0)
		return audit_hash_cmd(argc - 1, argv + 1);
	fprintf(stderr, "ldgate audit: unknown command \"%s\"\n", argv[1]);
	audit_usage(stderr);
	return EXIT_USAGE;
}
