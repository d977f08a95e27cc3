#!/bin/sh
# Print the version of the newest installed Debian 6.1 kernel headers
# (e.g. 6.1.0-56-amd64). Never the running kernel: modules are only ever
# loaded inside QEMU on Debian's kernel.
ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null | sed 's|.*/linux-headers-||' |
	sort -V | tail -n 1
