/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ops.c - virt-sysprep 1.48's 43 operations: names, defaults, headings and
 * the paths each removes, as data; the few that edit name a function */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm-sysprep.h"

#define P(act, glob) { act, glob, NULL, VS_ANY }
#define PD(act, glob, only) { act, glob, NULL, only }
#define END { VS_END, NULL, NULL, VS_ANY }

static const struct vs_path abrt_data[] = { P(VS_RMRF, "/var/spool/abrt/*"), END };

static const struct vs_path bash_history[] = {
	P(VS_RM, "/root/.bash_history"), P(VS_RM, "/home/*/.bash_history"), END,
};

static const struct vs_path blkid_tab[] = {
	P(VS_RM, "/var/run/blkid.tab"), P(VS_RM, "/var/run/blkid.tab.old"),
	P(VS_RM, "/etc/blkid/blkid.tab"), P(VS_RM, "/etc/blkid/blkid.tab.old"),
	P(VS_RM, "/etc/blkid.tab"), P(VS_RM, "/etc/blkid.tab.old"), END,
};

/* The distribution's bundles are not the site's certificates. */
static const char *const ca_bundles[] = {
	"/etc/pki/tls/certs/ca-bundle.crt", "/etc/pki/tls/certs/ca-bundle.trust.crt", NULL,
};
static const struct vs_path ca_certificates[] = {
	P(VS_RM, "/etc/pki/CA/certs/*.crt"), P(VS_RM, "/etc/pki/CA/crl/*.crt"),
	P(VS_RM, "/etc/pki/CA/newcerts/*.crt"), P(VS_RM, "/etc/pki/CA/private/*.key"),
	{ VS_RM, "/etc/pki/tls/certs/*.crt", ca_bundles, VS_ANY }, P(VS_RM, "/etc/pki/tls/private/*.key"),
	END,
};

static const struct vs_path crash_data[] = {
	P(VS_RMRF, "/var/crash/*"), P(VS_RMRF, "/var/log/dump/*"), END,
};

/* at(1) numbers its jobs from the .SEQ files: they stay. */
static const char *const at_seq[] = {
	"/var/spool/cron/atjobs/.SEQ", "/var/spool/at/.SEQ", "/var/spool/atjobs/.SEQ", NULL,
};
static const struct vs_path cron_spool[] = {
	{ VS_FILES, "/var/spool/cron", at_seq, VS_ANY }, P(VS_RM, "/var/spool/atjobs/*"),
	P(VS_RM, "/var/spool/atspool/*"), { VS_FILES, "/var/spool/at", at_seq, VS_ANY }, END,
};

static const struct vs_path dhcp_client_state[] = {
	P(VS_RMRF, "/var/lib/dhclient/*"), P(VS_RMRF, "/var/lib/dhcp/*"), END,
};
static const struct vs_path dhcp_server_state[] = { P(VS_RMRF, "/var/lib/dhcpd/*"), END };
static const struct vs_path dovecot_data[] = { P(VS_RMRF, "/var/lib/dovecot/*"), END };

static const struct vs_path firewall_rules[] = {
	P(VS_RM, "/etc/sysconfig/iptables"), P(VS_RMRF, "/etc/firewalld/services/*"),
	P(VS_RMRF, "/etc/firewalld/zones/*"), END,
};

static const struct vs_path flag_reconfiguration[] = { P(VS_TOUCH, "/.unconfigured"), END };

static const struct vs_path ipa_client[] = {
	P(VS_RM, "/etc/ipa/ca.crt"), P(VS_RM, "/etc/ipa/default.conf"),
	P(VS_RMRF, "/var/lib/ipa-client/sysrestore/*"), P(VS_RMRF, "/var/lib/ipa-client/pki/*"),
	P(VS_RM, "/etc/pki/ca-trust/source/ipa.p11-kit"),
	P(VS_RM, "/etc/pki/ca-trust/source/anchors/ipa-ca.crt"),
	P(VS_RM, "/usr/local/share/ca-certificates/ipa-ca.crt"), END,
};

/* The KDC's configuration is not data. */
static const char *const kdc_conf[] = {
	"/var/kerberos/krb5kdc/kadm5.acl", "/var/kerberos/krb5kdc/kdc.conf", NULL,
};
static const struct vs_path kerberos_data[] = {
	{ VS_RMRF, "/var/kerberos/krb5kdc/*", kdc_conf, VS_ANY }, END,
};
static const struct vs_path kerberos_hostkeytab[] = { P(VS_RM, "/etc/krb5.keytab"), END };

static const struct vs_path logfiles[] = {
	P(VS_RMRF, "/etc/Pegasus/*.cnf"), P(VS_RMRF, "/etc/Pegasus/*.crt"),
	P(VS_RMRF, "/etc/Pegasus/*.csr"), P(VS_RMRF, "/etc/Pegasus/*.pem"),
	P(VS_RMRF, "/etc/Pegasus/*.srl"), P(VS_RMRF, "/root/anaconda-ks.cfg"),
	P(VS_RMRF, "/root/anaconda-post.log"), P(VS_RMRF, "/root/initial-setup-ks.cfg"),
	P(VS_RMRF, "/root/install.log"), P(VS_RMRF, "/root/install.log.syslog"),
	P(VS_RMRF, "/root/original-ks.cfg"), P(VS_RMRF, "/var/cache/fontconfig/*"),
	P(VS_RMRF, "/var/cache/gdm/*"), P(VS_RMRF, "/var/cache/man/*"),
	P(VS_RMRF, "/var/lib/AccountService/users/*"), P(VS_RMRF, "/var/lib/fprint/*"),
	P(VS_RMRF, "/var/lib/logrotate.status"), P(VS_RMRF, "/var/log/*.log*"),
	P(VS_RMRF, "/var/log/BackupPC/LOG"), P(VS_RMRF, "/var/log/ConsoleKit/*"),
	P(VS_RMRF, "/var/log/anaconda.syslog"), P(VS_RMRF, "/var/log/anaconda/*"),
	P(VS_RMRF, "/var/log/apache2/*_log"), P(VS_RMRF, "/var/log/apache2/*_log-*"),
	P(VS_RMRF, "/var/log/apt/*"), P(VS_RMRF, "/var/log/aptitude*"),
	P(VS_RMRF, "/var/log/audit/*"), P(VS_RMRF, "/var/log/btmp*"),
	P(VS_RMRF, "/var/log/ceph/*.log"), P(VS_RMRF, "/var/log/chrony/*.log"),
	P(VS_RMRF, "/var/log/cron*"), P(VS_RMRF, "/var/log/cups/*_log*"),
	P(VS_RMRF, "/var/log/debug*"), P(VS_RMRF, "/var/log/dmesg*"),
	P(VS_RMRF, "/var/log/exim4/*"), P(VS_RMRF, "/var/log/faillog*"),
	P(VS_RMRF, "/var/log/firewalld*"), P(VS_RMRF, "/var/log/gdm/*"),
	P(VS_RMRF, "/var/log/glusterfs/*glusterd.vol.log"),
	P(VS_RMRF, "/var/log/glusterfs/glusterfs.log"), P(VS_RMRF, "/var/log/grubby*"),
	P(VS_RMRF, "/var/log/httpd/*log"), P(VS_RMRF, "/var/log/installer/*"),
	P(VS_RMRF, "/var/log/jetty/jetty-console.log"), P(VS_RMRF, "/var/log/journal/*"),
	P(VS_RMRF, "/var/log/lastlog*"), P(VS_RMRF, "/var/log/libvirt/libvirtd.log"),
	P(VS_RMRF, "/var/log/libvirt/libxl/*.log"), P(VS_RMRF, "/var/log/libvirt/lxc/*.log"),
	P(VS_RMRF, "/var/log/libvirt/qemu/*.log"), P(VS_RMRF, "/var/log/libvirt/uml/*.log"),
	P(VS_RMRF, "/var/log/lightdm/*"), P(VS_RMRF, "/var/log/mail/*"),
	P(VS_RMRF, "/var/log/maillog*"), P(VS_RMRF, "/var/log/messages*"),
	P(VS_RMRF, "/var/log/ntp"), P(VS_RMRF, "/var/log/ntpstats/*"),
	P(VS_RMRF, "/var/log/ppp/connect-errors"), P(VS_RMRF, "/var/log/rhsm/*"),
	P(VS_RMRF, "/var/log/sa/*"), P(VS_RMRF, "/var/log/secure*"),
	P(VS_RMRF, "/var/log/setroubleshoot/*.log"), P(VS_RMRF, "/var/log/spooler*"),
	P(VS_RMRF, "/var/log/squid/*.log"), P(VS_RMRF, "/var/log/syslog*"),
	P(VS_RMRF, "/var/log/tallylog*"), P(VS_RMRF, "/var/log/tuned/tuned.log"),
	P(VS_RMRF, "/var/log/wtmp*"), P(VS_RMRF, "/var/log/xferlog*"),
	P(VS_RMRF, "/var/named/data/named.run"), END,
};

/* Emptied, not removed: systemd makes a new ID at boot for an empty file,
 * but treats a missing one as a first boot. */
static const struct vs_path machine_id[] = {
	P(VS_TRUNC, "/etc/machine-id"), P(VS_TRUNC, "/var/lib/dbus/machine-id"), END,
};

static const struct vs_path mail_spool[] = {
	P(VS_RMRF, "/var/spool/mail/*"), P(VS_RMRF, "/var/mail/*"), END,
};

static const struct vs_path net_nmconn[] = {
	P(VS_RM, "/etc/NetworkManager/system-connections/*.nmconnection"), END,
};

/* The live accounting file is emptied (psacct appends to it and does not
 * make it), the rotated ones removed. */
static const struct vs_path pacct_log[] = {
	PD(VS_TRUNC, "/var/account/pacct", VS_REDHAT),
	PD(VS_RM, "/var/account/pacct?*", VS_REDHAT),
	PD(VS_TRUNC, "/var/log/account/pacct", VS_DEBIAN),
	PD(VS_RM, "/var/log/account/pacct?*", VS_DEBIAN), END,
};

static const struct vs_path package_manager_cache[] = {
	P(VS_FILES, "/var/cache/apt/archives"), P(VS_FILES, "/var/cache/dnf"),
	P(VS_FILES, "/var/cache/yum"), P(VS_FILES, "/var/cache/zypp*"), END,
};

static const struct vs_path pam_data[] = {
	P(VS_RMRF, "/var/run/console/*"), P(VS_RMRF, "/var/run/faillock/*"),
	P(VS_RMRF, "/var/run/sepermit/*"), END,
};

static const struct vs_path passwd_backups[] = {
	P(VS_RM, "/etc/group-"), P(VS_RM, "/etc/gshadow-"), P(VS_RM, "/etc/passwd-"),
	P(VS_RM, "/etc/shadow-"), P(VS_RM, "/etc/subgid-"), P(VS_RM, "/etc/subuid-"), END,
};

static const struct vs_path puppet_data_log[] = {
	/* Files only: virt-sysprep keeps the directories (ssl/certs ...). */
	P(VS_RM, "/var/log/puppet/*"), P(VS_RM, "/var/lib/puppet/*/*"),
	P(VS_RM, "/var/lib/puppet/*/*/*"), END,
};

static const struct vs_path rh_subscription_manager[] = {
	PD(VS_RMRF, "/etc/pki/consumer/*", VS_REDHAT),
	PD(VS_RMRF, "/etc/pki/entitlement/*", VS_REDHAT), END,
};

static const struct vs_path rhn_systemid[] = {
	PD(VS_RM, "/etc/sysconfig/rhn/systemid", VS_RHEL),
	PD(VS_RM, "/etc/sysconfig/rhn/osad-auth.conf", VS_RHEL), END,
};

static const struct vs_path rpm_db[] = { P(VS_RM, "/var/lib/rpm/__db.*"), END };

static const struct vs_path samba_db_log[] = {
	/* Files only, as puppet's: the directories (private/ ...) stay. */
	P(VS_RM, "/var/log/samba/old/*"), P(VS_RM, "/var/log/samba/*"),
	P(VS_RM, "/var/lib/samba/*/*"), P(VS_RM, "/var/lib/samba/*"), END,
};

static const struct vs_path smolt_uuid[] = {
	P(VS_RM, "/etc/sysconfig/hw-uuid"), P(VS_RM, "/etc/smolt/uuid"),
	P(VS_RM, "/etc/smolt/hw-uuid"), END,
};

static const struct vs_path ssh_hostkeys[] = { P(VS_RM, "/etc/ssh/*_host_*"), END };

static const struct vs_path ssh_userdir[] = {
	P(VS_RMRF, "/root/.ssh"), P(VS_RMRF, "/home/*/.ssh"), END,
};

static const struct vs_path sssd_db_log[] = {
	P(VS_RMRF, "/var/log/sssd/*"), P(VS_RMRF, "/var/lib/sss/db/*"), END,
};

static const struct vs_path tmp_files[] = {
	P(VS_CONTENTS, "/tmp"), P(VS_CONTENTS, "/var/tmp"), END,
};

static const struct vs_path udev_persistent_net[] = {
	P(VS_RM, "/etc/udev/rules.d/70-persistent-net.rules"), END,
};

static const struct vs_path utmp[] = { P(VS_RM, "/var/run/utmp"), END };
static const struct vs_path yum_uuid[] = { PD(VS_RM, "/var/lib/yum/uuid", VS_YUM), END };

/* In name order, as --list-operations prints them and as they run (but
 * see main.c: the identity changes come last). */
const struct vs_op vs_ops[VS_NOPS] = {
	{ "abrt-data", true, "Remove the crash data generated by ABRT", abrt_data, NULL },
	{ "backup-files", true, "Remove editor backup files from the guest", NULL,
	  vs_op_backup_files },
	{ "bash-history", true, "Remove the bash history in the guest", bash_history, NULL },
	{ "blkid-tab", true, "Remove blkid tab in the guest", blkid_tab, NULL },
	{ "ca-certificates", false, "Remove CA certificates in the guest", ca_certificates, NULL },
	{ "crash-data", true, "Remove the crash data generated by kexec-tools", crash_data, NULL },
	{ "cron-spool", true, "Remove user at-jobs and cron-jobs", cron_spool, NULL },
	{ "customize", true, "Customize the guest", NULL, vs_op_customize },
	{ "dhcp-client-state", true, "Remove DHCP client leases", dhcp_client_state, NULL },
	{ "dhcp-server-state", true, "Remove DHCP server leases", dhcp_server_state, NULL },
	{ "dovecot-data", true, "Remove Dovecot (mail server) data", dovecot_data, NULL },
	{ "firewall-rules", false, "Remove the firewall rules", firewall_rules, NULL },
	{ "flag-reconfiguration", false, "Flag the system for reconfiguration",
	  flag_reconfiguration, NULL },
	{ "fs-uuids", false, "Change filesystem UUIDs", NULL, vs_op_fs_uuids },
	{ "ipa-client", true, "Remove the IPA files", ipa_client, NULL },
	{ "kerberos-data", false, "Remove Kerberos data in the guest", kerberos_data, NULL },
	{ "kerberos-hostkeytab", true, "Remove the Kerberos host keytab file in the guest",
	  kerberos_hostkeytab, NULL },
	{ "logfiles", true, "Remove many log files from the guest", logfiles, NULL },
	{ "lvm-uuids", true, "Change LVM2 PV and VG UUIDs", NULL, vs_op_lvm_uuids },
	{ "machine-id", true, "Remove the local machine ID", machine_id, NULL },
	{ "mail-spool", true, "Remove email from the local mail spool directory", mail_spool,
	  NULL },
	{ "net-hostname", true,
	  "Remove HOSTNAME and DHCP_HOSTNAME in network interface configuration", NULL,
	  vs_op_net_hostname },
	{ "net-hwaddr", true, "Remove HWADDR (hard-coded MAC address) configuration", NULL,
	  vs_op_net_hwaddr },
	{ "net-nmconn", true,
	  "Remove system-local NetworkManager connection profiles (keyfiles)", net_nmconn, NULL },
	{ "pacct-log", true, "Remove the process accounting log files", pacct_log, NULL },
	{ "package-manager-cache", true, "Remove package manager cache", package_manager_cache,
	  NULL },
	{ "pam-data", true, "Remove the PAM data in the guest", pam_data, NULL },
	{ "passwd-backups", true, "Remove /etc/passwd- and similar backup files", passwd_backups,
	  NULL },
	{ "puppet-data-log", true, "Remove the data and log files of puppet", puppet_data_log,
	  NULL },
	{ "rh-subscription-manager", true, "Remove the RH subscription manager files",
	  rh_subscription_manager, NULL },
	{ "rhn-systemid", true, "Remove the RHN system ID", rhn_systemid, NULL },
	{ "rpm-db", true, "Remove host-specific RPM database files", rpm_db, NULL },
	{ "samba-db-log", true, "Remove the database and log files of Samba", samba_db_log, NULL },
	{ "script", true, "Run arbitrary scripts against the guest", NULL, NULL },
	{ "smolt-uuid", true, "Remove the Smolt hardware UUID", smolt_uuid, NULL },
	{ "ssh-hostkeys", true, "Remove the SSH host keys in the guest", ssh_hostkeys, NULL },
	{ "ssh-userdir", true, "Remove \".ssh\" directories in the guest", ssh_userdir, NULL },
	{ "sssd-db-log", true, "Remove the database and log files of sssd", sssd_db_log, NULL },
	{ "tmp-files", true, "Remove temporary files", tmp_files, NULL },
	{ "udev-persistent-net", true, "Remove udev persistent net rules", udev_persistent_net,
	  NULL },
	{ "user-account", false, "Remove the user accounts in the guest", NULL,
	  vs_op_user_account },
	{ "utmp", true, "Remove the utmp file", utmp, NULL },
	{ "yum-uuid", true, "Remove the yum UUID", yum_uuid, NULL },
};

int vs_op_index(const char *name)
{
	for (size_t i = 0; i < VS_NOPS; i++)
		if (strcmp(vs_ops[i].name, name) == 0)
			return (int)i;
	return -ENOENT;
}

vs_opset vs_ops_defaults(void)
{
	vs_opset s = 0;

	for (size_t i = 0; i < VS_NOPS; i++)
		if (vs_ops[i].def)
			s |= (vs_opset)1 << i;
	return s;
}

static int apply_word(vs_opset *set, const char *w, struct vu_err *e)
{
	bool minus = w[0] == '-';
	const char *name = minus ? w + 1 : w;
	vs_opset bits;
	int i;

	if (strcmp(name, "defaults") == 0) {
		bits = vs_ops_defaults();
	} else if (strcmp(name, "all") == 0) {
		bits = ((vs_opset)1 << VS_NOPS) - 1;
	} else if ((i = vs_op_index(name)) >= 0) {
		bits = (vs_opset)1 << i;
	} else {
		return vu_err_set(e, EINVAL, "'%s' is not a known operation "
				  "(vm-sysprep --list-operations lists them)", name);
	}
	if (minus)
		*set &= ~bits;
	else
		*set |= bits;
	return 0;
}

int vs_ops_apply(vs_opset *set, const char *list, struct vu_err *e)
{
	char *copy = strdup(list), *save = NULL;
	int r = 0;

	if (!copy)
		return vu_err_set(e, ENOMEM, "cannot allocate memory");
	if (list[0] == '\0' || list[strlen(list) - 1] == ',' || list[0] == ',' ||
	    strstr(list, ",,"))
		r = vu_err_set(e, EINVAL, "'%s': empty operation name in the list", list);
	for (char *w = strtok_r(copy, ",", &save); w && r == 0; w = strtok_r(NULL, ",", &save))
		r = apply_word(set, w, e);
	free(copy);
	return r;
}

void vs_ops_list(FILE *out)
{
	for (size_t i = 0; i < VS_NOPS; i++)
		fprintf(out, "%s %s %s\n", vs_ops[i].name, vs_ops[i].def ? "*" : " ",
			vs_ops[i].heading);
}
