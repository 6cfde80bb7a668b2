/* SPDX-License-Identifier: GPL-2.0-or-later */
/* copy.h - the copy engine: map the source by block status, copy only data */
#ifndef VU_COPY_H
#define VU_COPY_H

#include <stdbool.h>
#include <stdint.h>

#include "vu/err.h"
#include "vu/image.h"
#include "vu/progress.h"

/*
 * Where the engine writes. zero_init says the sink already reads as zeros
 * (a new file), so zero runs need not be written at all; otherwise they go
 * to zero(). finish() sets the final size and flushes as the cache mode says.
 */
struct vu_sink;
struct vu_sink_ops {
	int (*pwrite)(struct vu_sink *s, const void *buf, size_t len, uint64_t off);
	int (*zero)(struct vu_sink *s, uint64_t off, uint64_t len);
	/* A whole cluster compressed (len bytes), or plain (len 0); NULL
	 * where the sink does not compress. */
	int (*write_compressed)(struct vu_sink *s, const void *data, size_t len,
				uint64_t off);
	int (*finish)(struct vu_sink *s);
};

struct vu_sink {
	const struct vu_sink_ops *ops;
	uint64_t size;		/* bytes the result must have */
	bool zero_init;
	bool sync;		/* the caller's cache mode syncs (the image's flags decide) */
	struct vu_image *img;	/* image sinks */
	uint64_t cluster_size;	/* what compressed writes cover; 0: no compression */
};

/*
 * A sink on an image opened for writing, through its driver's write half.
 * zero_init: the image is new and reads as zeros. finish() sets the image to
 * size (block devices keep theirs) and flushes when sync. -EROFS when the
 * driver cannot write.
 */
int vu_sink_image_init(struct vu_sink *s, struct vu_image *img, uint64_t size,
		       bool zero_init, bool sync);

struct vu_copy_opts {
	/* Zero runs of at least this many bytes inside data become holes;
	 * 0 writes everything, fully allocating the destination (qemu-img -S 0). */
	uint64_t min_sparse;
	struct vu_progress *progress;	/* or NULL */
	/* Write whole clusters compressed (-c); the sink must be an image
	 * whose format compresses. Compression runs on worker threads. */
	bool compress;
	int workers;			/* compression threads; 0 = one per core */
	/* Write buffers in the order they are ready, not the guest's (-W). */
	bool out_of_order;
	int in_flight;			/* buffers between reading and writing (-m); 0 = 4 */
	/* The destination has the source's backing chain as its own backing
	 * file (-B): only what the top image allocates is copied. */
	bool top_only;
};

#define VU_COPY_MAX_IN_FLIGHT 16

/* The default for min_sparse, as qemu-img: 4 KiB. */
#define VU_COPY_MIN_SPARSE 4096

/*
 * Copies the sources, one after another, into dst at increasing offsets.
 * Holes and zero extents are never read; zeros in data are detected.
 * 0 or -errno with e filled ("read at offset N: ..." style).
 */
int vu_copy(struct vu_image **src, int nsrc, struct vu_sink *dst,
	    const struct vu_copy_opts *o, struct vu_err *e);

/* The number of bytes vu_copy() would read (for progress): data extents. */
int vu_copy_measure(struct vu_image **src, int nsrc, uint64_t *data_bytes,
		    struct vu_err *e);

#endif
