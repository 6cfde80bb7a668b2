/* SPDX-License-Identifier: GPL-2.0-or-later */
/* debuglog.c - DEBUG/LOGFILE: the decision log, worded as ksmtuned words it */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "ksm.h"

int ksm_log_open(struct ksm_log *log, const struct ksm_conf *c)
{
	log->fp = NULL;
	log->on = c->debug;
	if (!log->on)
		return 0;
	if (!c->logfile[0]) {
		log->fp = stderr;
		return 0;
	}
	log->fp = fopen(c->logfile, "ae");
	if (!log->fp) {
		log->on = false;
		return -errno;
	}
	/* Whole lines, at once: the file is read while the service runs. */
	setvbuf(log->fp, NULL, _IOLBF, 0);
	return 0;
}

void ksm_log_close(struct ksm_log *log)
{
	if (log->fp && log->fp != stderr)
		fclose(log->fp);
	log->fp = NULL;
	log->on = false;
}

void ksm_log(struct ksm_log *log, const char *fmt, ...)
{
	char stamp[64];
	time_t now;
	struct tm tm;
	va_list ap;

	if (!log->on || !log->fp)
		return;
	/* The stamp date(1) prints in the C locale, as in ksmtuned's log. */
	now = time(NULL);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%a %b %e %H:%M:%S %Z %Y", &tm);
	fprintf(log->fp, "%s: ", stamp);
	va_start(ap, fmt);
	vfprintf(log->fp, fmt, ap);
	va_end(ap);
	fputc('\n', log->fp);
	fflush(log->fp);
}

void ksm_log_figures(struct ksm_log *log, const struct ksm_conf *c, int64_t total_kb)
{
	ksm_log(log, "total %" PRId64, total_kb);
	ksm_log(log, "sleep %" PRId64, ksm_sleep_ms(c, total_kb));
	ksm_log(log, "thres %" PRId64, ksm_threshold(c, total_kb));
}

void ksm_log_decision(struct ksm_log *log, const struct ksm_input *in,
		      const struct ksm_decision *d)
{
	int64_t load = in->committed_kb + d->thres_kb;

	ksm_log(log, "committed %" PRId64 " free %" PRId64, in->committed_kb, in->free_kb);
	if (d->action == KSM_STOP) {
		ksm_log(log, "%" PRId64 " < %" PRId64 " and free > %" PRId64 ", stop ksm",
			load, in->total_kb, d->thres_kb);
		return;
	}
	ksm_log(log, "%" PRId64 " > %" PRId64 ", start ksm", load, in->total_kb);
	if (d->step == KSM_STEP_BOOST)
		ksm_log(log, "%" PRId64 " < %" PRId64 ", boost", in->free_kb, d->thres_kb);
	else
		ksm_log(log, "%" PRId64 " > %" PRId64 ", decay", in->free_kb, d->thres_kb);
	ksm_log(log, "KSMCTL start %" PRId64 " %" PRId64, d->npages, d->sleep_ms);
}
