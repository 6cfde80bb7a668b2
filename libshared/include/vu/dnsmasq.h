/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dnsmasq.h - a virtual network's DHCP and DNS: the dnsmasq configuration
 * libvirt 9.0 writes, the private dnsmasq process, and its lease file */
#ifndef VU_DNSMASQ_H
#define VU_DNSMASQ_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "vu/err.h"

/*
 * The spec is plain data (no XML): the network model fills it. Every string
 * is borrowed, never freed here, and checked before use (no control
 * characters anywhere, as one newline would let a value add any dnsmasq
 * option; names, MACs and addresses have their own syntax). Addresses are
 * text and may be in any form inet_pton takes: they are written back in
 * canonical form, as libvirt does.
 */

/* A lease time as libvirt writes it: unset, "infinite" (value 0), or
 * value and unit 's', 'm' or 'h' ("30m"). */
struct vu_dnsmasq_leasetime {
	bool set;
	unsigned long long value;
	char unit;
};

struct vu_dnsmasq_range {
	const char *start, *end;
	struct vu_dnsmasq_leasetime lease;
};

/* <dhcp><host>: IPv4 needs mac or name; IPv6 needs id or name (the DUID). */
struct vu_dnsmasq_host {
	const char *mac, *id, *name, *ip;
	struct vu_dnsmasq_leasetime lease;
};

struct vu_dnsmasq_ip {
	int family;			/* AF_INET, AF_INET6, or 0: from address */
	const char *address;		/* the bridge's own address */
	unsigned prefix;		/* 0: IPv4 by class (A 8, B 16, C 24), IPv6 64 */
	const struct vu_dnsmasq_range *ranges;
	size_t nranges;
	const struct vu_dnsmasq_host *hosts;
	size_t nhosts;
	const char *bootfile;		/* IPv4 only: <bootp file server> */
	const char *bootserver;
	const char *tftp_root;		/* IPv4 only: <tftp root> */
	bool local_ptr;			/* localPtr='yes': reverse lookups answered here
					 * (prefix a multiple of 8, IPv6 of 4) */
};

struct vu_dnsmasq_dns_host {
	const char *ip;
	const char *const *names;
	size_t nnames;
};

struct vu_dnsmasq_txt {
	const char *name, *value;
};

/* target NULL or ".": "no such service"; 0 port/priority/weight: unset. */
struct vu_dnsmasq_srv {
	const char *service, *protocol, *domain, *target;
	unsigned port, priority, weight;
};

/* addr NULL with a domain: "do not forward this domain". */
struct vu_dnsmasq_forwarder {
	const char *addr, *domain;
};

struct vu_dnsmasq_spec {
	const char *name;		/* the network's, vu_name_check'd */
	const char *bridge;
	const char *domain;		/* <domain name localOnly> */
	bool domain_local_only;
	bool isolated;			/* no <forward>: no route, no-resolv, RA lifetime 0 */
	bool dns_disabled;		/* <dns enable='no'>: port=0 */
	bool no_forward_plain_names;	/* <dns forwardPlainNames='no'> */
	unsigned mtu;			/* 0: none */
	const struct vu_dnsmasq_ip *ips;
	size_t nips;
	const struct vu_dnsmasq_dns_host *dns_hosts;
	size_t ndns_hosts;
	const struct vu_dnsmasq_txt *txts;
	size_t ntxts;
	const struct vu_dnsmasq_srv *srvs;
	size_t nsrvs;
	const struct vu_dnsmasq_forwarder *forwarders;
	size_t nforwarders;
};

/* Checks everything render and the files use: 0 or -EINVAL with e saying
 * what ("ip 192.168.122.1: range end 10.0.0.9 is outside the network"). */
int vu_dnsmasq_check(const struct vu_dnsmasq_spec *s, struct vu_err *e);

/* ---- rendering: pure functions, *out malloc'd (possibly "") ---- */

/* Where the conf says the other files are; pidfile NULL omits the line
 * (as libvirt's own test data does). Absolute paths. */
struct vu_dnsmasq_paths {
	const char *pidfile, *hostsfile, *addnhosts;
};

/* The conf libvirt 9.0 writes for the spec (networkDnsmasqConfContents:
 * same lines, same order), byte for byte. 0, -EINVAL, -ENOMEM. */
int vu_dnsmasq_conf(const struct vu_dnsmasq_spec *s, const struct vu_dnsmasq_paths *p,
		    char **out, struct vu_err *e);
/* NAME.hostsfile: "MAC,IP,NAME[,LEASE]" per IPv4 host (or "MAC,IP",
 * "NAME,IP"), "id:ID,NAME,[IP6][,LEASE]" per IPv6 host, of the first IPv4
 * and the first IPv6 address with DHCP, as libvirt. */
int vu_dnsmasq_hostsfile(const struct vu_dnsmasq_spec *s, char **out, struct vu_err *e);
/* NAME.addnhosts: "IP\tNAME\t...NAME\t\n", the names of equal IPs merged
 * in first-seen order, as libvirt. */
int vu_dnsmasq_addnhosts(const struct vu_dnsmasq_spec *s, char **out, struct vu_err *e);

/* ---- the process ---- */

/*
 * The run directory (a per-network one, or one shared by all networks):
 * dirfd, already checked by the caller, and its absolute path, which goes
 * into the conf and dnsmasq's command line. It holds NAME.conf,
 * NAME.hostsfile, NAME.addnhosts (mode 0644), NAME.pid and NAME.leases.
 * dnsmasq drops to its compiled-in user (nobody) after start and re-reads
 * the two hosts files as that user on reload: the directory must be
 * searchable by others (0755 or 0711), as libvirt's /var/lib/libvirt/dnsmasq.
 */
struct vu_dnsmasq_run {
	int dirfd;
	const char *dir;
	const char *binary;		/* NULL: vu_dnsmasq_find (tests pass a fake) */
	unsigned timeout_ms;		/* start and stop bounds; 0: 5000 */
};

/* The path of dnsmasq: /usr/sbin/dnsmasq, else /sbin/dnsmasq (never
 * $PATH: we run it privileged). -ENOENT when neither is executable. */
int vu_dnsmasq_find(char *out, size_t len);

/* Writes NAME.conf, NAME.hostsfile and NAME.addnhosts atomically. */
int vu_dnsmasq_write_files(const struct vu_dnsmasq_spec *s, const struct vu_dnsmasq_run *run,
			   struct vu_err *e);
/*
 * Writes the files and starts `dnsmasq --conf-file=DIR/NAME.conf
 * --dhcp-leasefile=DIR/NAME.leases` (its own lease file, kept across
 * restarts; no lease helper) with a clean environment, waits (bounded) for
 * it to daemonize and for NAME.pid to name it, and gives its pid.
 * -EEXIST if it already runs; -ENOENT no dnsmasq; -EIO with dnsmasq's own
 * complaint ("failed to create listening socket ...: Address in use");
 * -ETIMEDOUT. On failure no process is left and the conf, hosts and pid
 * files are removed (the lease file stays).
 * Privileges: dnsmasq needs CAP_NET_ADMIN, CAP_NET_BIND_SERVICE,
 * CAP_NET_RAW, CAP_SETUID and CAP_SETGID from its starter (without one it
 * exits naming it: "process is missing required capability NET_RAW"); as
 * it then runs as nobody, reload and stop need CAP_KILL.
 */
int vu_dnsmasq_start(const struct vu_dnsmasq_spec *s, const struct vu_dnsmasq_run *run,
		     pid_t *pid, struct vu_err *e);
/* The pid in NAME.pid if that process is alive and is the dnsmasq started
 * for this conf (its /proc/PID/cmdline carries --conf-file=DIR/NAME.conf);
 * -ESRCH when none runs (a stale pid file is not ours to trust). */
int vu_dnsmasq_pid(const struct vu_dnsmasq_run *run, const char *name, pid_t *pid);
/*
 * Live update without restart: rewrites NAME.hostsfile and NAME.addnhosts
 * and sends SIGHUP (dnsmasq re-reads them; the pid stays). Changes of the
 * conf itself (ranges, txt, srv, forwarders, ...) need stop and start:
 * vu_dnsmasq_conf_changed tells. -ESRCH when it does not run.
 */
int vu_dnsmasq_reload(const struct vu_dnsmasq_spec *s, const struct vu_dnsmasq_run *run,
		      struct vu_err *e);
/* Whether the conf rendered from s differs from NAME.conf (true when the
 * file is missing). 0 or -errno. */
int vu_dnsmasq_conf_changed(const struct vu_dnsmasq_spec *s, const struct vu_dnsmasq_run *run,
			    bool *changed, struct vu_err *e);
/*
 * Stops the network's dnsmasq, if it runs (checked as vu_dnsmasq_pid
 * does, so a recycled pid is never signalled): SIGTERM, a bounded wait,
 * then SIGKILL. Removes NAME.pid, NAME.conf, NAME.hostsfile and
 * NAME.addnhosts (the lease file stays for the next start, as libvirt's
 * status file does). 0 also when none ran; -ETIMEDOUT, -EPERM.
 */
int vu_dnsmasq_stop(const struct vu_dnsmasq_run *run, const char *name, struct vu_err *e);

/* ---- leases ---- */

/* One line of dnsmasq's lease file. */
struct vu_dnsmasq_lease {
	long long expiry;		/* seconds since the epoch; 0: never */
	int family;			/* AF_INET or AF_INET6 */
	char mac[18];			/* IPv4: aa:bb:cc:dd:ee:ff; IPv6: "" */
	unsigned long iaid;		/* IPv6 only */
	char ip[46];			/* canonical text */
	unsigned prefix;		/* from the spec (vu_dnsmasq_leases_read); else 0 */
	char *hostname;			/* "" when the client gave none */
	char *clientid;			/* hex with colons; "" when none */
};

/*
 * Parses a lease file's text (untrusted: guests choose hostnames and
 * client ids). Lines that are not exactly "EXPIRY MAC IPv4 HOST CLIENTID"
 * or "EXPIRY [T]IAID IPv6 HOST DUID" with sane fields are skipped, as is
 * dnsmasq's "duid" line. *out (free with vu_dnsmasq_leases_free) may be
 * NULL when *n is 0. 0 or -ENOMEM.
 */
int vu_dnsmasq_leases_parse(const char *buf, size_t len, struct vu_dnsmasq_lease **out,
			    size_t *n);
/* Reads and parses NAME.leases (missing: no leases); with s, fills each
 * lease's prefix from the spec's address whose network holds it. */
int vu_dnsmasq_leases_read(const struct vu_dnsmasq_run *run, const char *name,
			   const struct vu_dnsmasq_spec *s, struct vu_dnsmasq_lease **out,
			   size_t *n, struct vu_err *e);
void vu_dnsmasq_leases_free(struct vu_dnsmasq_lease *l, size_t n);

#endif
