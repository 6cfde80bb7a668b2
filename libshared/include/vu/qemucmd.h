/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qemucmd.h - a domain's XML turned into QEMU 7.2's command line: pure,
 * no process and no monitor; what QEMU's options cannot say is handed back
 * as data for the runtime to apply */
#ifndef VU_QEMUCMD_H
#define VU_QEMUCMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vu/domainxml.h"
#include "vu/err.h"

/*
 * What the runtime knows that the XML does not. Paths are used as given
 * (absolute paths in the run directory). The callbacks may be NULL: then
 * images and bridges are named on the command line as they are, which is
 * what unprivileged use and the golden tests want.
 */
struct vu_qemu_env {
	const char *qmp;	/* QMP socket path (required) */
	const char *pidfile;	/* -pidfile (required) */
	const char *rundir;	/* the domain's run directory: secrets, sockets
				 * the XML leaves unnamed (required) */
	const char *runas;	/* -runas USER, or NULL */
	bool daemonize;		/* -daemonize: the runtime always; tests not */
	bool incoming;		/* -incoming defer: the destination of a live
				 * migration (vm-migrate), which sets its
				 * capabilities before migrate-incoming */
	const char *virtiofsd;	/* virtiofsd found by the runtime; NULL: a
				 * virtiofs <filesystem> is refused */
	bool vfio;		/* VFIO usable; false: <hostdev> is refused */
	int spice_port;		/* the free port the runtime chose for a SPICE
				 * <graphics autoport='yes'>; 0: refused (VNC
				 * finds its own with to=) */
	void *opaque;		/* handed to the callbacks */
	/* Opens an image (format "raw", "qcow2", ...) for QEMU: an fd that
	 * the builder puts in an fdset (-add-fd) and that the runtime keeps
	 * open across exec; or -errno with e filled. */
	int (*open_disk)(void *opaque, const char *path, const char *format,
			 bool readonly, struct vu_err *e);
	/* Opens the tap of interface index (0-based, in document order) on
	 * bridge (NULL: not on a bridge, <interface type='ethernet'>) with the
	 * guest's mac and mtu (0: the bridge's); the tap's name goes to ifname.
	 * An fd, or -errno with e filled. */
	int (*open_tap)(void *opaque, unsigned index, const char *bridge, const char *mac,
			unsigned mtu, char *ifname, size_t ifname_len, struct vu_err *e);
	/* Opens a macvtap on host device dev in mode ("vepa", "bridge",
	 * "private", "passthrough") for <interface type='direct'> index; as
	 * open_tap. NULL: type='direct' is refused. */
	int (*open_macvtap)(void *opaque, unsigned index, const char *dev, const char *mode,
			    const char *mac, char *ifname, size_t ifname_len,
			    struct vu_err *e);
	/* The bridge of <interface type='network'>'s network, or -errno (the
	 * runtime says "network 'X' is not active"). NULL: the network name
	 * is refused. */
	int (*network_bridge)(void *opaque, const char *network, char *bridge,
			      size_t len, struct vu_err *e);
};

/* A pin set to apply after start (libvirt does it with sched_setaffinity
 * on the threads query-cpus-fast names). vcpu -1 is the emulator. */
struct vu_qemu_pin {
	int vcpu;
	char *cpuset;		/* libvirt's list syntax, as written in the XML */
};

/* A file the runtime writes (mode 0600) before QEMU starts: passwords go
 * through them, never on argv. QEMU reads them while it is still root,
 * before -runas. */
struct vu_qemu_file {
	char *path;
	char *data;
};

/* A virtiofsd the runtime starts before QEMU, sharing source at socket. */
struct vu_qemu_virtiofs {
	char *socket;
	char *source;
	bool readonly;
};

/*
 * The command line and what goes with it. argv[0] is the emulator
 * (<emulator>, else "qemu-system-x86_64"); argv[argc] is NULL.
 * on_poweroff/on_reboot/on_crash name the libvirt action ("restart",
 * "preserve", "destroy") the runtime must perform on QMP's SHUTDOWN /
 * RESET / GUEST_PANICKED event, NULL where QEMU's -action already does
 * what the XML asks.
 */
struct vu_qemu_cmd {
	char **argv;
	size_t argc;
	uint64_t balloon_kib;	/* <currentMemory> below <memory>: the balloon
				 * target to set after start; 0: none */
	struct vu_qemu_pin *pins;
	size_t npins;
	struct vu_qemu_file *files;
	size_t nfiles;
	struct vu_qemu_virtiofs *fs;
	size_t nfs;
	int *fds;		/* opened by the callbacks; closed by clear */
	size_t nfds;
	char **taps;		/* tap names, by interface index ("" when none) */
	size_t ntaps;
	const char *on_poweroff, *on_reboot, *on_crash;
};

/*
 * Builds the command line of dom. Always -no-user-config -nodefaults
 * -sandbox on -S, -pidfile, -qmp unix:QMP,server=on,wait=off. Every element
 * it cannot honour is an error naming it ("<devices><tpm>: not supported"),
 * -EOPNOTSUPP, or -EINVAL for a malformed value; nothing is dropped. On
 * error every fd opened so far is closed and out is empty.
 */
int vu_qemu_cmdline(const struct vu_domain *dom, const struct vu_qemu_env *env,
		    struct vu_qemu_cmd *out, struct vu_err *e);
/* Frees what out holds and closes its fds; out may be zeroed memory. */
void vu_qemu_cmd_clear(struct vu_qemu_cmd *out);
/* Writes cmd's files (0600, replacing; created atomically). */
int vu_qemu_cmd_write_files(const struct vu_qemu_cmd *cmd, struct vu_err *e);

#endif
