/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tap.c - a guest's tap: made with TUNSETIFF, put on its bridge by
 * netlink, handed to QEMU as an fd; it goes when the last fd closes */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vu/bridge.h"

#include "qemurun_int.h"

int qr_tap_open(const char *bridge, const char *mac, unsigned mtu, char *ifname, size_t len,
		struct vu_err *e)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	char hostmac[18];
	int fd, r;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return vu_err_set(e, errno, "/dev/net/tun: %s", strerror(errno));
	/* The kernel picks the first free vnetN, as libvirt names taps. */
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "vnet%%d");
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		r = vu_err_set(e, errno, "cannot make a tap: %s%s", strerror(errno),
			       errno == EPERM ? " (needs CAP_NET_ADMIN)" : "");
		close(fd);
		return r;
	}
	snprintf(ifname, len, "%s", ifr.ifr_name);
	/* The host side's MAC is the guest's with 0xfe first, as libvirt
	 * does, so the bridge never takes the guest's address as its own. */
	if (mac && strlen(mac) == 17)
		snprintf(hostmac, sizeof(hostmac), "fe%s", mac + 2);
	r = vu_bridge_add_port(bridge, ifname, mac && strlen(mac) == 17 ? hostmac : NULL, mtu, e);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}
