# qfence-sim, the deterministic cluster simulator (included by
# daemon/Makefile). It links the mutation-enabled core: the mutations are
# selected at run time with --mutate and exist in no other build.
#
#   make -C daemon sim        build/bin/qfence-sim

SIM_SRC := $(wildcard sim/*.c)
SIM_HDR := $(wildcard sim/*.h) $(CORE_HDR)
SIM_BIN := $(BUILD)/bin/qfence-sim
SIM_CFLAGS := $(filter-out -O0 -O1,$(CFLAGS)) -O2 -DQF_MUTATIONS $(CORE_INC) -I$(CURDIR)/sim

.PHONY: sim
sim: $(SIM_BIN)

$(OBJ)/sim/%.o: %.c $(SIM_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(SIM_CFLAGS) -c $< -o $@

$(SIM_BIN): $(SIM_SRC:%.c=$(OBJ)/sim/%.o) $(CORE_MUT_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(SIM_CFLAGS) -o $@ $^
