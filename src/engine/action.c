#include <string.h>

#include "engine/action.h"

static const char *const action_names[ACTION_COUNT] = {
	"createIntegration",
	"deleteIntegration",
	"updateName",
	"updateConfiguration",
	"updateOn",
	"validateConnection",
};

int
action_index(unsigned bit)
{
	int	i;

	for (i = 0; i < ACTION_COUNT; i++)
		if (bit == 1u << i)
			return i;
	return -1;
}

const char *
action_name(unsigned bit)
{
	int	i = action_index(bit);

	return i < 0 ? NULL : action_names[i];
}

unsigned
action_from_name(const char *name)
{
	int	i;

	for (i = 0; i < ACTION_COUNT; i++)
		if (strcmp(name, action_names[i]) == 0)
			return 1u << i;
	return 0;
}
