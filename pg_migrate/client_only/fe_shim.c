/*-------------------------------------------------------------------------
 *
 * fe_shim.c
 *	  The functions of libpgcommon and libpgport that pg_migrate calls, for
 *	  the client-only build (libpq's headers and library only; see
 *	  postgres_fe.h here).  Same contracts as PostgreSQL's: allocation
 *	  failures exit, case folding is ASCII only, random bytes come from the
 *	  kernel.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include "common/string.h"

static void
out_of_memory(void)
{
	fprintf(stderr, "out of memory\n");
	exit(1);
}

void *
pg_malloc(size_t size)
{
	void	   *p = malloc(size ? size : 1);

	if (p == NULL)
		out_of_memory();
	return p;
}

void *
pg_realloc(void *pointer, size_t size)
{
	void	   *p = realloc(pointer, size ? size : 1);

	if (p == NULL)
		out_of_memory();
	return p;
}

char *
pg_strdup(const char *in)
{
	char	   *p = strdup(in);

	if (p == NULL)
		out_of_memory();
	return p;
}

char *
pnstrdup(const char *in, size_t size)
{
	size_t		len = strnlen(in, size);
	char	   *p = pg_malloc(len + 1);

	memcpy(p, in, len);
	p[len] = '\0';
	return p;
}

char *
psprintf(const char *fmt,...)
{
	va_list		ap;
	int			len;
	char	   *p;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		out_of_memory();
	p = pg_malloc((size_t) len + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t) len + 1, fmt, ap);
	va_end(ap);
	return p;
}

const char *
get_progname(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');

	return pg_strdup(slash ? slash + 1 : argv0);
}

unsigned char
pg_toupper(unsigned char ch)
{
	return ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch;
}

static unsigned char
ascii_lower(unsigned char ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

int
pg_strncasecmp(const char *s1, const char *s2, size_t n)
{
	for (; n > 0; n--, s1++, s2++)
	{
		unsigned char c1 = ascii_lower((unsigned char) *s1);
		unsigned char c2 = ascii_lower((unsigned char) *s2);

		if (c1 != c2)
			return (int) c1 - (int) c2;
		if (c1 == '\0')
			break;
	}
	return 0;
}

int
pg_strcasecmp(const char *s1, const char *s2)
{
	return pg_strncasecmp(s1, s2, SIZE_MAX);
}

bool
pg_strong_random(void *buf, size_t len)
{
	int			fd = open("/dev/urandom", O_RDONLY);
	size_t		done = 0;

	if (fd < 0)
		return false;
	while (done < len)
	{
		ssize_t		n = read(fd, (char *) buf + done, len - done);

		if (n <= 0)
		{
			close(fd);
			return false;
		}
		done += n;
	}
	close(fd);
	return true;
}

/* A line from the terminal (stdin without one), without echo unless echo */
char *
simple_prompt(const char *prompt, bool echo)
{
	FILE	   *in = fopen("/dev/tty", "r");
	FILE	   *out = fopen("/dev/tty", "w");
	struct termios t,
				saved;
	bool		restore = false;
	char		line[1024];
	size_t		len;

	if (in == NULL || out == NULL)
	{
		if (in)
			fclose(in);
		if (out)
			fclose(out);
		in = stdin;
		out = stderr;
	}
	if (!echo && tcgetattr(fileno(in), &t) == 0)
	{
		saved = t;
		t.c_lflag &= ~ECHO;
		restore = tcsetattr(fileno(in), TCSAFLUSH, &t) == 0;
	}
	fputs(prompt, out);
	fflush(out);
	if (fgets(line, sizeof(line), in) == NULL)
		line[0] = '\0';
	if (restore)
	{
		tcsetattr(fileno(in), TCSAFLUSH, &saved);
		fputc('\n', out);
		fflush(out);
	}
	len = strlen(line);
	if (len > 0 && line[len - 1] == '\n')
		line[--len] = '\0';
	if (in != stdin)
	{
		fclose(in);
		fclose(out);
	}
	return pg_strdup(line);
}
