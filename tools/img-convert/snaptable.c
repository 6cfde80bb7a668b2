/* SPDX-License-Identifier: GPL-2.0-or-later */
/* snaptable.c - qemu-img's "Snapshot list:" table, shared by info and snapshot -l */
#include <stdio.h>
#include <time.h>

#include "vu/size.h"

#include "img-convert.h"

/* qemu-img 7.2's columns (its header and rows differ where a name is
 * longer than the column), local time, an h:m:s.ms VM clock. */
static void print_row(const struct vu_snapshot *sn)
{
	char size[32], date[32] = "", clock[64], icount[32] = "";
	time_t t = sn->date_sec;
	struct tm tm;
	uint64_t secs = sn->vm_clock_nsec / 1000000000ull;

	if (localtime_r(&t, &tm))
		strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(clock, sizeof(clock), "%02d:%02d:%02d.%03d", (int)(secs / 3600),
		 (int)(secs / 60 % 60), (int)(secs % 60),
		 (int)(sn->vm_clock_nsec / 1000000 % 1000));
	if (sn->icount >= 0)
		snprintf(icount, sizeof(icount), "%lld", (long long)sn->icount);
	printf("%-9s %-16s %8s%20s%13s%11s\n", sn->id, sn->name,
	       vu_size_human(sn->vm_state_size, size, sizeof(size)), date, clock, icount);
}

void ic_print_snapshots(const struct vu_snapshot *sn, int n)
{
	puts("Snapshot list:");
	printf("%-10s%-17s%8s%20s%13s%11s\n", "ID", "TAG", "VM SIZE", "DATE",
	       "VM CLOCK", "ICOUNT");
	for (int i = 0; i < n; i++)
		print_row(&sn[i]);
}
