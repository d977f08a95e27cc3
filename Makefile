# qfence top-level Makefile.
#
#   make            build qfence.ko, quorumd and quorumctl (what exists)
#   make deps       install the Debian packages the build and tests need
#   make check      run every suite; last line "N passed, N failed[, N skipped]"
#   make check-unit | check-kunit | check-vm | check-cluster   one suite each
#   make soak-cluster SEED=N DURATION=S                      randomized cluster faults
#   make sim ARGS='--seeds N --nodes K ...'                    cluster simulator
#   make bench      benchmarks, JSON under build/bench/
#   make demo       the README's main command (3-VM split brain)
#   make demo-lease a single-VM lease demo
#
# The module is built against the newest installed Debian 6.1 headers
# (override with KDIR=...); it never depends on the running kernel.

KVER ?= $(shell scripts/kver.sh)
KDIR ?= /usr/src/linux-headers-$(KVER)
BUILD := $(CURDIR)/build
export KVER KDIR BUILD

.PHONY: all module daemon tools deps check check-unit check-kunit check-vm \
	check-cluster check-vm-quorumd soak-cluster sim bench demo demo-lease clean

all: module daemon tools

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules
	@mkdir -p $(BUILD) && cp qfence.ko $(BUILD)/qfence.ko

daemon:
	$(MAKE) -C daemon
	$(MAKE) -C daemon/infra
	$(MAKE) -C daemon/quorumd

tools:
	$(MAKE) -C tools

deps:
	scripts/deps.sh

# Each suite writes its log under build/check/ and prints its own summary
# line; tests/lib/summary.sh adds the summary lines up. A suite that fails to
# run at all (build error, VM that never booted) counts as one failure, so a
# broken suite can never look green.
check: deps
	@mkdir -p $(BUILD)/check
	@rc=0; for s in unit kunit vm cluster; do \
		$(MAKE) --no-print-directory check-$$s || rc=1; \
	done; \
	tests/lib/summary.sh $(BUILD)/check/unit.sum $(BUILD)/check/kunit.sum \
		$(BUILD)/check/vm.sum $(BUILD)/check/cluster.sum; \
	s=$$?; [ $$rc -eq 0 ] && [ $$s -eq 0 ]

check-unit:
	@tests/lib/suite.sh unit tests/unit/run.sh

check-kunit:
	@tests/lib/suite.sh kunit tests/kunit/run.sh

# In QEMU: the module's own cases, then quorumd clusters on the real module
# (one network namespace per node; tests/quorumd/vm.sh).
check-vm:
	@tests/lib/suite.sh vm tests/lib/multi.sh tests/vm/run.sh tests/quorumd/vm.sh

# The quorumd part alone.
check-vm-quorumd:
	@tests/lib/suite.sh vm-quorumd tests/quorumd/vm.sh

check-cluster:
	@tests/lib/suite.sh cluster tests/cluster/run.sh

# Randomized nemesis sequences on the 3-VM cluster, for as long as asked.
SEED ?= $(shell od -An -N2 -tu2 /dev/urandom | tr -d " ")
DURATION ?= 600
soak-cluster:
	tests/cluster/soak.sh $(SEED) $(DURATION)

sim:
	$(MAKE) -C daemon sim
	$(BUILD)/bin/qfence-sim $(ARGS)

bench:
	@mkdir -p $(BUILD)/bench
	tests/bench/run.sh

# The README's main command: three VMs on one shared disk, one split brain.
demo: deps
	$(MAKE) all
	tests/demo/cluster-demo.sh

# One VM, one lease: armed, renewed, expiring, fencing a disk.
demo-lease: deps
	tests/demo/demo.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C daemon clean
	-$(MAKE) -C tools clean
	rm -rf $(BUILD)
