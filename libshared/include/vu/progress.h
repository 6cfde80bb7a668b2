/* SPDX-License-Identifier: GPL-2.0-or-later */
/* progress.h - a progress bar on stderr */
#ifndef VU_PROGRESS_H
#define VU_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Shown when forced (-p) or when stderr is a terminal and the caller allows
 * it; never with quiet. Redrawn at most a few times a second (and at the end),
 * as qemu-img's "    (12.34/100%)" line, with \r on a terminal and \n otherwise.
 */
struct vu_progress {
	bool on;
	bool tty;
	uint64_t total;
	uint64_t done;
	long long last_ms;	/* CLOCK_MONOTONIC of the last drawing */
	int last_permille;	/* what it showed, in 0.1% */
};

/* Decides whether to show (force: -p; quiet: -q wins) and draws 0.00%.
 * A total of 0 counts as complete. */
void vu_progress_init(struct vu_progress *p, uint64_t total, bool force, bool quiet);
/* n more units done; redraws only when the shown value moved by 0.1% and
 * 200 ms (CLOCK_MONOTONIC) have passed since the last drawing. */
void vu_progress_add(struct vu_progress *p, uint64_t n);
/* Draws the final state (100% when all was done) unless a log already shows
 * it, and ends the terminal's line; later calls do nothing. */
void vu_progress_end(struct vu_progress *p);

#endif
