/*
 * action: the integration actions LaunchDarkly documents, as bits, so that
 * the set of actions a request needs is one word and the compiled policy can
 * precompute which statements cover which action.
 */
#ifndef LDGATE_ACTION_H
#define LDGATE_ACTION_H

enum action_bit {
	ACTION_CREATE_INTEGRATION	= 1u << 0,	/* createIntegration */
	ACTION_DELETE_INTEGRATION	= 1u << 1,	/* deleteIntegration */
	ACTION_UPDATE_NAME		= 1u << 2,	/* updateName */
	ACTION_UPDATE_CONFIGURATION	= 1u << 3,	/* updateConfiguration */
	ACTION_UPDATE_ON		= 1u << 4,	/* updateOn */
	ACTION_VALIDATE_CONNECTION	= 1u << 5	/* validateConnection */
};

#define ACTION_COUNT	6

/* Name of a single action bit ("updateOn"), or NULL if not exactly one. */
const char	*action_name(unsigned bit);
/* The bit for a name, or 0 if the name is not a known integration action. */
unsigned	 action_from_name(const char *name);
/* Index 0..ACTION_COUNT-1 of a single bit, -1 otherwise. */
int		 action_index(unsigned bit);

#endif
