# Thin entry point: meson + ninja do the work.
#   make            build build/stockade
#   make demo       build a busybox image and run it hardened (no network)
#   make check      unit + integration tests, then again under ASan+UBSan
#   make bench      start latency and RSS against crun and runc; podman/docker end to end;
#                   audit throughput against dockerfilelint/dclint; scan of a 1,000-process tree;
#                   pull+unpack from a local registry against skopeo+umoci
#   make eval       audit vs six other linters' fixtures (scripts/eval_audit.py); SARIF validated
#   make fuzz       run every fuzz target for FUZZ_SECONDS (default 60)
#   make install PREFIX=/usr/local
PREFIX ?= /usr/local
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_SECONDS ?= 60

.PHONY: all deps demo check check-unit check-integration check-asan bench fuzz eval install clean

all: deps
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD) --prefix=$(PREFIX) >/dev/null || { rm -rf $(BUILD); meson setup $(BUILD) --prefix=$(PREFIX); exit 1; }
	ninja -C $(BUILD)

deps:
	@scripts/deps.sh build

demo: all
	@scripts/deps.sh demo
	@scripts/demo.sh $(BUILD)/stockade

check:
	@scripts/deps.sh test
	@scripts/check.sh

bench: all
	@scripts/deps.sh bench
	@bench/run.sh $(BUILD)/stockade
	@bench/engines.sh $(BUILD)/stockade
	@bench/audit.sh $(BUILD)/stockade
	@bench/scan.sh $(BUILD)/stockade
	@bench/image.sh $(BUILD)/stockade

fuzz:
	@scripts/deps.sh fuzz
	@scripts/fuzz.sh $(FUZZ_SECONDS)

eval: all
	@python3 scripts/eval_audit.py --stockade $(BUILD)/stockade
	@scripts/validate_sarif.sh $(BUILD)/stockade

install: all
	meson configure $(BUILD) --prefix=$(PREFIX) >/dev/null
	meson install -C $(BUILD) --destdir "$(DESTDIR)"

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
