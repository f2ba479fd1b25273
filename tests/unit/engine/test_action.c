/*
 * Unit tests for src/engine/action.c: the six integration actions
 * LaunchDarkly documents, as bits.  Names and bits must round-trip, the
 * names are exact (case-sensitive, no globs: globs are the policy's
 * business), and anything that is not exactly one known bit has no name
 * and no index.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/action.h"

static const struct {
	unsigned	 bit;
	const char	*name;
} actions[] = {
	{ ACTION_CREATE_INTEGRATION, "createIntegration" },
	{ ACTION_DELETE_INTEGRATION, "deleteIntegration" },
	{ ACTION_UPDATE_NAME, "updateName" },
	{ ACTION_UPDATE_CONFIGURATION, "updateConfiguration" },
	{ ACTION_UPDATE_ON, "updateOn" },
	{ ACTION_VALIDATE_CONNECTION, "validateConnection" },
};

#define NACTIONS	(sizeof(actions) / sizeof(actions[0]))

static void
test_round_trip(void **state)
{
	unsigned	all = 0;
	size_t		i;

	(void)state;
	assert_int_equal(NACTIONS, ACTION_COUNT);
	for (i = 0; i < NACTIONS; i++) {
		/* Bit i is the i-th action: verdicts are kept in this order. */
		assert_int_equal(actions[i].bit, 1u << i);
		assert_non_null(action_name(actions[i].bit));
		assert_string_equal(action_name(actions[i].bit),
		    actions[i].name);
		assert_int_equal(action_from_name(actions[i].name),
		    actions[i].bit);
		assert_int_equal(action_index(actions[i].bit), (int)i);
		assert_int_equal(action_from_name(action_name(
		    actions[i].bit)), actions[i].bit);
		all |= actions[i].bit;
	}
	assert_int_equal(all, (1u << ACTION_COUNT) - 1);
}

/* Not exactly one known bit: no name, no index. */
static void
test_not_one_bit(void **state)
{
	static const unsigned	 bad[] = { 0, 3, 5, 0x30, 1u << ACTION_COUNT,
				    (1u << ACTION_COUNT) - 1, 1u << 31,
				    0xffffffffu, 1u << (ACTION_COUNT + 1) };
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (action_name(bad[i]) != NULL)
			fail_msg("0x%x has name %s", bad[i],
			    action_name(bad[i]));
		if (action_index(bad[i]) != -1)
			fail_msg("0x%x has index %d", bad[i],
			    action_index(bad[i]));
	}
}

/* Names are matched exactly: a near miss is 0, not a guess. */
static void
test_unknown_names(void **state)
{
	static const char *const bad[] = {
		"", "*", "update*", "updateon", "UpdateOn", "UPDATEON",
		"updateOn ", " updateOn", "updateOnn", "updateO", "update",
		"createFlag", "updateTargets", "deleteIntegrations",
		"integration", "updateOn\n",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (action_from_name(bad[i]) != 0)
			fail_msg("\"%s\" is taken for 0x%x", bad[i],
			    action_from_name(bad[i]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_not_one_bit),
		cmocka_unit_test(test_unknown_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
