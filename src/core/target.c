/*-------------------------------------------------------------------------
 *
 * target.c
 *	  Parsing of Alembic's target grammar, without access to a graph.
 *
 * Alembic reads targets with a handful of string operations spread over
 * revision.py and command.py: the regular expression _relative_destination
 * (applied with re.match, so only the start is anchored), str.split("@", 1)
 * in _resolve_revision_number, str.rpartition("@") in
 * _parse_downgrade_target, int() to spot "-N", and split(":") for history
 * ranges.  Each is reproduced here byte for byte so that graph.c and plan.c
 * can apply Alembic's resolution rules to the same pieces Alembic sees.
 *
 * This file also holds the tiny string and error helpers the pure modules
 * share, because it is the lowest layer: it depends on nothing but libc and
 * mg_alloc().
 *
 * Layer: core (src/core/), pure, the bottom of everything: it calls
 * nothing of ours.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_STANDALONE
#include "postgres.h"
#else
#include <stdlib.h>
#endif

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mgerror.h"
#include "target.h"

char *
mg_strndup(const char *s, size_t n)
{
	char	   *r = mg_alloc(n + 1);

	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

char *
mg_strdup(const char *s)
{
	return mg_strndup(s, strlen(s));
}

char *
mg_vpsprintf(const char *fmt, va_list args)
{
	va_list		copy;
	int			len;
	char	   *r;

	va_copy(copy, args);
	len = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (len < 0)
		len = 0;
	r = mg_alloc((size_t) len + 1);
	vsnprintf(r, (size_t) len + 1, fmt, args);
	return r;
}

char *
mg_psprintf(const char *fmt,...)
{
	va_list		args;
	char	   *r;

	va_start(args, fmt);
	r = mg_vpsprintf(fmt, args);
	va_end(args);
	return r;
}

/*
 * Fills *err and returns false, so that callers can write
 * "return mg_set_error(...)".  The first error wins: a failure deep inside
 * a helper is not overwritten by a vaguer one on the way out.
 */
bool
mg_set_error(MgError *err, MgErrorCode code, const char *detail,
			 const char *hint, const char *fmt,...)
{
	va_list		args;

	if (err == NULL || err->code != MG_OK)
		return false;
	err->code = code;
	va_start(args, fmt);
	err->message = mg_vpsprintf(fmt, args);
	va_end(args);
	err->detail = detail ? mg_strdup(detail) : NULL;
	err->hint = hint ? mg_strdup(hint) : NULL;
	return false;
}

void
mg_buf_append(MgBuf *buf, const char *s)
{
	size_t		n = strlen(s);

	if (buf->len + n + 1 > buf->cap)
	{
		size_t		cap = buf->cap ? buf->cap * 2 : 64;
		char	   *data;

		while (cap < buf->len + n + 1)
			cap *= 2;
		data = mg_alloc(cap);
		if (buf->len > 0)
			memcpy(data, buf->data, buf->len);
		buf->data = data;
		buf->cap = cap;
	}
	memcpy(buf->data + buf->len, s, n);
	buf->len += n;
	buf->data[buf->len] = '\0';
}

/*
 * Python's \w on str patterns is Unicode-aware; treating every non-ASCII
 * byte as a word character is the closest byte-level rule (UTF-8 letters
 * are all made of such bytes).
 */
static bool
is_word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

static bool
is_digit_byte(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Matches "(\w+)?((?:\+|-)\d+)" at s.  \w+ is greedy and can never give
 * back a character to the sign, so the symbol is the maximal word run.
 */
static bool
match_symbol_and_number(const char *s, MgRelative *out)
{
	const char *p = s;
	const char *sign;
	long		value = 0;

	while (*p && is_word_byte((unsigned char) *p))
		p++;
	if (*p != '+' && *p != '-')
		return false;
	sign = p++;
	if (!is_digit_byte((unsigned char) *p))
		return false;
	while (is_digit_byte((unsigned char) *p))
	{
		if (value < MG_REL_MAX)
			value = value * 10 + (*p - '0');
		p++;
	}
	if (value > MG_REL_MAX)
		value = MG_REL_MAX;
	out->symbol = (sign > s) ? mg_strndup(s, sign - s) : NULL;
	out->relstr = mg_strndup(sign, p - sign);
	out->rel = (*sign == '-') ? -value : value;
	return true;
}

/*
 * The optional group "(?:(.+?)@)?" is tried first, with the lazy ".+?"
 * growing one character at a time, so the branch is the shortest non-empty
 * prefix ending at an '@' after which the rest matches; only when no '@'
 * works is the group skipped.
 */
bool
mg_target_match_relative(const char *target, MgRelative *out)
{
	const char *p;

	memset(out, 0, sizeof(*out));
	if (target == NULL || *target == '\0')
		return false;
	for (p = target + 1; *p; p++)
	{
		if (*p == '@' && match_symbol_and_number(p + 1, out))
		{
			out->branch = mg_strndup(target, p - target);
			return true;
		}
	}
	memset(out, 0, sizeof(*out));
	return match_symbol_and_number(target, out);
}

static bool
is_space_byte(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
		c == '\v';
}

bool
mg_target_parse_int(const char *s, long *value)
{
	const char *p = s;
	bool		negative = false;
	bool		digits = false;
	long		v = 0;

	while (is_space_byte((unsigned char) *p))
		p++;
	if (*p == '+' || *p == '-')
		negative = (*p++ == '-');
	while (*p)
	{
		if (is_digit_byte((unsigned char) *p))
		{
			if (v < MG_REL_MAX)
				v = v * 10 + (*p - '0');
			digits = true;
			p++;
		}
		else if (*p == '_' && digits && is_digit_byte((unsigned char) p[1]))
			p++;
		else
			break;
	}
	while (is_space_byte((unsigned char) *p))
		p++;
	if (!digits || *p != '\0')
		return false;
	if (v > MG_REL_MAX)
		v = MG_REL_MAX;
	*value = negative ? -v : v;
	return true;
}

void
mg_target_split_first_at(const char *s, char **branch, char **rest)
{
	const char *at = strchr(s, '@');

	if (at == NULL)
	{
		*branch = NULL;
		*rest = mg_strdup(s);
		return;
	}
	*branch = mg_strndup(s, at - s);
	*rest = mg_strdup(at + 1);
}

void
mg_target_split_last_at(const char *s, char **branch, char **rest)
{
	const char *at = strrchr(s, '@');

	if (at == NULL)
	{
		*branch = NULL;
		*rest = mg_strdup(s);
		return;
	}
	*branch = (at > s) ? mg_strndup(s, at - s) : NULL;
	*rest = mg_strdup(at + 1);
}

bool
mg_target_split_range(const char *range, char **lower, char **upper,
					  MgError *err)
{
	const char *start = range;
	const char *end = range + strlen(range);
	const char *colon;

	while (start < end && is_space_byte((unsigned char) *start))
		start++;
	while (end > start && is_space_byte((unsigned char) end[-1]))
		end--;
	colon = memchr(start, ':', end - start);
	if (colon == NULL)
		return mg_set_error(err, MG_ERR_SYNTAX, NULL,
							"Write the range as \"start:end\", \"start:\" or \":end\".",
							"invalid history range \"%s\"", range);
	if (memchr(colon + 1, ':', end - colon - 1) != NULL)
		return mg_set_error(err, MG_ERR_SYNTAX,
							"A range has exactly one colon.",
							"Write the range as \"start:end\", \"start:\" or \":end\".",
							"invalid history range \"%s\"", range);
	*lower = (colon > start) ? mg_strndup(start, colon - start) : NULL;
	*upper = (end > colon + 1) ? mg_strndup(colon + 1, end - colon - 1) : NULL;
	return true;
}
