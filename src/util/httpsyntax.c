#include <string.h>

#include "util/httpsyntax.h"

int
httpsyntax_is_tchar(int c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	/* strchr would read c as a char: 0x121 would be '!'. */
	return c > 0 && c < 128 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}
