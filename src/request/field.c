/*
 * field: the field table of docs/design.md section 2, and RFC 6901 first-token
 * decoding to look a pointer up in it.
 */
#include <stddef.h>
#include <string.h>

#include "engine/action.h"
#include "request/field.h"

#define N	ACTION_UPDATE_NAME
#define O	ACTION_UPDATE_ON
#define C	ACTION_UPDATE_CONFIGURATION

struct field {
	const char	*fd_name;	/* first pointer token, decoded */
	unsigned	 fd_delivery;	/* ACTION_* bits; 0: not a field here */
	unsigned	 fd_integration;
	int		 fd_secret;	/* its value is a third-party secret */
};

/*
 * A field with no action on a kind is not a field of that kind: changing
 * it there is refused, and it is not secret there.  Case matters: JSON
 * member names do.
 */
static const struct field field_table[] = {
	/* name			delivery	integration	secret */
	{ "name",		N,		N,		0 },
	{ "on",			O,		O,		0 },
	{ "enabled",		0,		O,		0 },
	{ "config",		C,		0,		1 },
	{ "configValues",	0,		C,		1 },
	{ "capabilityConfig",	0,		C,		1 },
	{ "tags",		C,		C,		0 },
};

#define FIELD_COUNT	(sizeof(field_table) / sizeof(field_table[0]))

/*
 * The whole document "" is every field at once.  Its actions are the
 * union of its kind's column, computed by field_actions so that a new row
 * cannot be left out of it; it holds the secret fields, so it is secret
 * under both kinds.
 */
static const struct field field_whole = { "", 0, 0, 1 };

int
field_token(const char *ptr, char name[FIELD_NAME_MAX + 1])
{
	size_t	n = 0;
	char	c;
	int	cut = 0;

	name[0] = '\0';
	if (*ptr == '\0')
		return 0;
	if (*ptr != '/')
		return -1;
	/* Past the cut too: a bad escape anywhere in the token is refused. */
	for (ptr++; *ptr != '\0' && *ptr != '/'; ptr++) {
		c = *ptr;
		if (c == '~') {
			ptr++;
			if (*ptr != '0' && *ptr != '1') {
				name[0] = '\0';
				return -1;
			}
			c = *ptr == '1' ? '/' : '~';
		}
		if (n < FIELD_NAME_MAX)
			name[n++] = c;
		else
			cut = 1;
	}
	name[n] = '\0';
	return cut;
}

int
field_find(const char *ptr, const struct field **f)
{
	char	name[FIELD_NAME_MAX + 1];
	size_t	i;
	int	rc;

	*f = NULL;
	/* "" is the whole document; "/" is a member named "", no field. */
	if (*ptr == '\0') {
		*f = &field_whole;
		return 0;
	}
	if ((rc = field_token(ptr, name)) == -1)
		return -1;
	if (rc == 1)
		return 0;
	for (i = 0; i < FIELD_COUNT; i++)
		if (strcmp(field_table[i].fd_name, name) == 0) {
			*f = &field_table[i];
			break;
		}
	return 0;
}

static unsigned
column(const struct field *f, enum field_kind kind)
{
	return kind == FIELD_KIND_INTEGRATION ? f->fd_integration :
	    f->fd_delivery;
}

unsigned
field_actions(const struct field *f, enum field_kind kind)
{
	unsigned	all = 0;
	size_t		i;

	if (f == NULL)
		return 0;
	if (f != &field_whole)
		return column(f, kind);
	for (i = 0; i < FIELD_COUNT; i++)
		all |= column(&field_table[i], kind);
	return all;
}

int
field_secret(const struct field *f, enum field_kind kind)
{
	return f != NULL && f->fd_secret && field_actions(f, kind) != 0;
}

unsigned
field_read_actions(const struct field *f, enum field_kind kind)
{
	return field_secret(f, kind) ? ACTION_UPDATE_CONFIGURATION : 0;
}
