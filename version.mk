# The one version of qfence, read from VERSION: the packages (debian/changelog
# is checked against it by make deb), MODULE_VERSION, quorumd --version and
# quorumctl --version all come from here.
QFENCE_VERSION := $(shell cat $(dir $(lastword $(MAKEFILE_LIST)))VERSION)
QFENCE_VERSION_CFLAGS := -DQFENCE_VERSION='"$(QFENCE_VERSION)"'
