/*-------------------------------------------------------------------------
 *
 * standalone.c
 *	  mg_alloc() for the standalone graph tests and the fuzz harness.
 *
 * In the backend mg_alloc() is palloc0(); here every block is kept on a
 * list so that mg_alloc_reset() can free them all at once, as resetting a
 * memory context would.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>

#include "graph.h"

typedef struct Block
{
	struct Block *next;
	/* payload follows, aligned like malloc's */
	union
	{
		long double ld;
		void	   *p;
		long long	ll;
	}			payload[];
} Block;

static Block *blocks = NULL;

void *
mg_alloc(size_t size)
{
	Block	   *b = calloc(1, sizeof(Block) + size);

	if (b == NULL)
	{
		fprintf(stderr, "out of memory\n");
		abort();
	}
	b->next = blocks;
	blocks = b;
	return b->payload;
}

void
mg_alloc_reset(void)
{
	while (blocks)
	{
		Block	   *next = blocks->next;

		free(blocks);
		blocks = next;
	}
}
