/*
 * httpsyntax: character classes of HTTP's grammar (RFC 9110), shared by the
 * method check (route.c) and the media-type parser (patch.c).
 */
#ifndef LDGATE_HTTPSYNTAX_H
#define LDGATE_HTTPSYNTAX_H

/* RFC 9110 section 5.6.2 tchar: a character allowed in a token. */
int	httpsyntax_is_tchar(int c);

#endif
