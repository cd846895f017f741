/* What the network commands share (src/apps/netcmd.c): the wait for an
 * address still being obtained by DHCP, and host names resolved with the
 * user told what went wrong.  Thread context of a command; every wait stops
 * at Ctrl-C. */
#ifndef ADROS_NETCMD_H
#define ADROS_NETCMD_H

#include <adros/inet.h>

#define NETCMD_DHCP_WAIT_MS 15000 /* a lease takes 10 s at most, and DAD */

/* Waits while a DHCP exchange is under way, saying so once
 * ("<argv0>: waiting for wm0's DHCP lease..."), for NETCMD_DHCP_WAIT_MS at
 * most.  0, or the command's exit status after printing why it gives up
 * (SHELL_INTERRUPTED, SHELL_FAIL). */
int netcmd_ready(const char *argv0);
/* host, "host:port", or a numeric address (and port) to *a, after
 * netcmd_ready.  0, or an exit status after printing
 * "<argv0>: <host>: no such host" and the like. */
int netcmd_resolve(const char *argv0, const char *host, struct net_addr *a);

#endif
