/* SPDX-License-Identifier: GPL-2.0-or-later */
/* progress.c - qemu-img's "    (12.34/100%)" progress line on stderr */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "vu/progress.h"

/* About five redraws a second: smooth to the eye, cheap in a log. */
#define REDRAW_MS 200

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double percent(const struct vu_progress *p)
{
	if (!p->total)
		return 100.0;
	if (p->done >= p->total)
		return 100.0;
	return (double)p->done * 100.0 / (double)p->total;
}

static int permille(const struct vu_progress *p)
{
	return (int)(percent(p) * 10.0);
}

/* On a terminal the line is redrawn in place; in a file or pipe each state
 * gets its own line, so a log stays readable. */
static void draw(struct vu_progress *p)
{
	fprintf(stderr, "    (%0.2f/100%%)%c", percent(p), p->tty ? '\r' : '\n');
	fflush(stderr);
	p->last_ms = now_ms();
	p->last_permille = permille(p);
}

void vu_progress_init(struct vu_progress *p, uint64_t total, bool force, bool quiet)
{
	*p = (struct vu_progress){ .total = total, .tty = isatty(STDERR_FILENO) == 1 };
	p->on = !quiet && (force || p->tty);
	if (p->on)
		draw(p);
}

void vu_progress_add(struct vu_progress *p, uint64_t n)
{
	if (!p->on)
		return;
	p->done = n > UINT64_MAX - p->done ? UINT64_MAX : p->done + n;
	/* Cheap test first: most calls change nothing a person could see. */
	if (permille(p) == p->last_permille)
		return;
	if (now_ms() - p->last_ms < REDRAW_MS)
		return;
	draw(p);
}

void vu_progress_end(struct vu_progress *p)
{
	if (!p->on)
		return;
	/* In a log, the same value twice would look like a stall. */
	if (p->tty || permille(p) != p->last_permille)
		draw(p);
	if (p->tty)
		fputc('\n', stderr);
	p->on = false;
}
