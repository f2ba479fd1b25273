/*
 * bench_decide: nanoseconds per policy decision on one core.
 *
 * Builds a realistic policy set in memory -- NROLES roles of NSTMTS
 * statements mixing tags, globs, property qualifiers, role attributes and
 * denies; one principal holding PRINCIPAL_ROLES of them -- then times
 * decide() over a rotating set of accesses on integration delivery
 * configurations (two aliases each, some with unresolved tags).
 *
 *   bench/bench_decide [ITERATIONS]
 *
 * Prints median, p90, p99 in ns per decision (clock overhead subtracted)
 * and the allow ratio, as one JSON line.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "engine/action.h"
#include "util/arena.h"
#include "engine/decide.h"
#include "util/diag.h"
#include "util/jsonfile.h"
#include "engine/policyset.h"
#include "engine/specifier.h"

#define NROLES		50
#define NSTMTS		20
#define PRINCIPAL_ROLES	5
#define NACCESSES	64

static const char *const resource_shapes[] = {
	"proj/${roleAttribute/projects}:env/*;qa_*:integration/*",
	"proj/p%d:env/production:integration/datadog/*",
	"proj/*:env/*;{critical:true}:integration/*",
	"integration/datadog/*",
	"integration/k%d",
	"proj/p%d:env/staging-*:integration/*/*",
	"proj/*;mobile,ios:env/*:integration/*",
	"integration/*/65a1f0c2e4b0a1b2c3d4e5f%d",
};
static const char *const action_sets[][3] = {
	{ "updateOn", NULL, NULL },
	{ "update*", NULL, NULL },
	{ "updateName", "updateConfiguration", NULL },
	{ "*", NULL, NULL },
	{ "validateConnection", "updateOn", "deleteIntegration" },
};

static json_t *
make_statement(unsigned seed)
{
	json_t		*res = json_array(), *acts = json_array();
	char		 buf[256];
	size_t		 i, k;

	for (i = 0; i < 1 + seed % 3; i++) {
		k = (seed / 3 + i * 5) % (sizeof(resource_shapes) /
		    sizeof(resource_shapes[0]));
		/* The shapes are this file's own constants. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(buf, sizeof(buf), resource_shapes[k], (int)(seed % 40));
#pragma GCC diagnostic pop
		json_array_append_new(res, json_string(buf));
	}
	k = seed % (sizeof(action_sets) / sizeof(action_sets[0]));
	for (i = 0; i < 3 && action_sets[k][i] != NULL; i++)
		json_array_append_new(acts, json_string(action_sets[k][i]));
	return json_pack("{s:s, s:o, s:o}", "effect", seed % 5 == 0 ? "deny" :
	    "allow", "resources", res, "actions", acts);
}

static struct jsonfile *
doc(const char *name, json_t *v)
{
	struct diag	 diag = { 0 };
	char		*text = json_dumps(v, 0);
	struct jsonfile	*jf = jsonfile_load_buffer(name, text, strlen(text), &diag);

	free(text);
	json_decref(v);
	if (jf == NULL) {
		diag_print(&diag, stderr);
		exit(1);
	}
	return jf;
}

static struct policyset *
build(void)
{
	json_t		*roles = json_array(), *held = json_array(), *pol;
	struct jsonfile	*rf, *pf;
	struct diag	 diag = { 0 };
	struct policyset *set;
	char		 key[32];
	unsigned	 r, s;

	for (r = 0; r < NROLES; r++) {
		pol = json_array();
		for (s = 0; s < NSTMTS; s++)
			json_array_append_new(pol, make_statement(r * 7919 + s * 31));
		snprintf(key, sizeof(key), "role-%u", r);
		json_array_append_new(roles, json_pack("{s:s, s:o}", "key", key,
		    "policy", pol));
		if (r % (NROLES / PRINCIPAL_ROLES) == 3)
			json_array_append_new(held, json_string(key));
	}
	rf = doc("roles.json", roles);
	pf = doc("principals.json", json_pack("[{s:s, s:[], s:o, s:{s:[s,s]}}]",
	    "name", "bench", "tokens", "roles", held, "roleAttributes",
	    "projects", "p1*", "checkout"));
	set = policyset_build((const struct jsonfile *const *)&rf, 1, pf, NULL,
	    &diag);
	diag_print(&diag, stderr);
	jsonfile_free(rf);
	jsonfile_free(pf);
	if (set == NULL)
		exit(1);
	return set;
}

struct access {
	struct specifier	aliases[2];
	const char		*action;
	unsigned		 bit;
};

static void
make_accesses(struct arena *arena, struct access *acc)
{
	static const char *const envs[] = { "production;prod", "qa-east;qa_east",
	    "staging-2", "production;{critical:true}", "dev;?" };
	static const unsigned bits[] = { ACTION_UPDATE_ON, ACTION_UPDATE_NAME,
	    ACTION_UPDATE_CONFIGURATION, ACTION_VALIDATE_CONNECTION,
	    ACTION_DELETE_INTEGRATION };
	char		 a[256], b[256], err[SPEC_ERR_MAX];
	int		 i;

	for (i = 0; i < NACCESSES; i++) {
		snprintf(a, sizeof(a), "proj/p%d:env/%s:integration/%s/64f0c0ffee%d",
		    i % 20, envs[i % 5], i % 3 ? "datadog" : "fastly", i);
		snprintf(b, sizeof(b), "integration/%s/64f0c0ffee%d",
		    i % 3 ? "datadog" : "fastly", i);
		if (specifier_parse(arena, a, SPEC_RESOURCE, &acc[i].aliases[0],
		    err, sizeof(err)) || specifier_parse(arena, b, SPEC_RESOURCE,
		    &acc[i].aliases[1], err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			exit(1);
		}
		acc[i].bit = bits[i % 5];
		acc[i].action = action_name(acc[i].bit);
	}
}

static long long
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long	x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	long			 n = argc > 1 ? atol(argv[1]) : 1000000, i, allows = 0;
	long long		*t, overhead, t0;
	struct arena		*arena = arena_new();
	struct access		 acc[NACCESSES];
	struct policyset	*set = build();
	const struct principal	*p = policyset_by_name(set, "bench");
	struct decide_result	 r;

	if (n < 100 || (t = calloc(n, sizeof(*t))) == NULL)
		return 1;
	make_accesses(arena, acc);
	for (i = 0; i < n; i++) {	/* the clock's own cost */
		t0 = now_ns();
		t[i] = now_ns() - t0;
	}
	qsort(t, n, sizeof(*t), cmp_ll);
	overhead = t[n / 2];
	for (i = 0; i < n; i++) {
		struct access	*a = &acc[i % NACCESSES];

		t0 = now_ns();
		decide(set, p, a->aliases, 2, a->action, a->bit, &r);
		t[i] = now_ns() - t0 - overhead;
		allows += r.allow;
	}
	qsort(t, n, sizeof(*t), cmp_ll);
	printf("{\"roles\": %d, \"statementsPerRole\": %d, \"principalRoles\": %d, "
	    "\"principalStatements\": %zu, \"decisions\": %ld, "
	    "\"medianNs\": %lld, \"p90Ns\": %lld, \"p99Ns\": %lld, "
	    "\"allowRatio\": %.2f, \"cpu\": %d}\n", NROLES, NSTMTS,
	    PRINCIPAL_ROLES, p->nstmts, n, t[n / 2], t[n * 90 / 100],
	    t[n * 99 / 100], (double)allows / n, sched_getcpu());
	free(t);
	policyset_free(set);
	arena_free(arena);
	return 0;
}
