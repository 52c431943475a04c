# omr — optical mark recognition for paper questionnaires.
#
#   make deps    install the Debian packages omr needs (as root, or with sudo)
#   make         build ./omr
#   make demo    deps + build + render sample forms, fill and degrade them, scan, show records
#   make test    deps + build + Criterion test suite
#   make bench   recognition accuracy and speed on >= 500 synthetic forms
#   make SAN=1 test   the same tests under AddressSanitizer + UBSan (build-san/)
#   make install install omr, its templates, calibration and man pages under
#                PREFIX (default /usr/local), into DESTDIR if given
#   make install-check   install into a temporary DESTDIR and run the installed omr
#   make fuzz    the libFuzzer harnesses (tests/fuzz/), clang + ASan + UBSan
#                (build-fuzz/), each run FUZZ_SECONDS (default 60) as a smoke test

CC      ?= cc
CXX     ?= c++
SAN     ?=
FUZZ    ?=
BUILD   := $(if $(FUZZ),build-fuzz,$(if $(SAN),build-san,build))
PREFIX  ?= /usr/local
SHARE   ?= $(PREFIX)/share/omr
VERSION := 0.3.0
GIT_REV := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

PKGS    := libtiff-4 zbar tesseract lept cairo libqrencode poppler-glib libpng libjpeg libconfig jansson sqlite3 libpq libmicrohttpd libsodium libcrypto
OPENCV_CFLAGS := -I/usr/include/opencv4
OPENCV_LIBS   := -lopencv_calib3d -lopencv_features2d -lopencv_flann -lopencv_imgproc -lopencv_core

SANITIZERS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SANFLAGS := $(if $(FUZZ),$(FUZZFLAGS),$(if $(SAN),$(SANITIZERS)))
OPT      := $(if $(FUZZ)$(SAN),-O1,-O2)
CPPFLAGS += -D_GNU_SOURCE -DOMR_SHARE_DIR='"$(SHARE)"' -Iscanner
CFLAGS   += -std=c17 -Wall -Wextra -Werror -g $(OPT) $(SANFLAGS) -pthread $(if $(FUZZ),-Wno-unknown-warning-option) \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
CXXFLAGS += -std=c++17 -Wall -Wextra -Werror -g $(OPT) $(SANFLAGS) $(OPENCV_CFLAGS)
# Tesseract and poppler are loaded when first needed (reading/ocr.c: the
# first OCR engine; pages/decode_pdf.c: the first PDF), not linked: their
# libraries cost 13 and 10 ms of every start, and most runs read no word or
# no PDF. Each is named by its soname, from the installed library; their
# headers still type every call. The tests and the decode floor call poppler
# themselves and link it.
soname = $(shell objdump -p "$$(pkg-config --variable=libdir $(1) 2>/dev/null)/lib$(2).so" 2>/dev/null | \
           awk '/SONAME/ { print $$2 }')
LINK_PKGS := $(filter-out tesseract lept poppler-glib,$(PKGS)) glib-2.0
TESSERACT_SONAME := $(call soname,tesseract,tesseract)
POPPLER_SONAME   := $(call soname,poppler-glib,poppler-glib)
CPPFLAGS += $(if $(TESSERACT_SONAME),-DOMR_TESSERACT_LIB='"$(TESSERACT_SONAME)"') \
            $(if $(POPPLER_SONAME),-DOMR_POPPLER_LIB='"$(POPPLER_SONAME)"')
POPPLER_LIBS := $(shell pkg-config --libs poppler-glib 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(LINK_PKGS) 2>/dev/null) $(OPENCV_LIBS) -lstdc++ -lm -pthread -lcsv -lreadstat
LDFLAGS  += $(SANFLAGS)

LIB_C    := $(filter-out scanner/cli/main.c,$(wildcard scanner/*/*.c scanner/*/*/*.c))
LIB_CXX  := $(wildcard scanner/*/*.cpp)
LIB_OBJ  := $(LIB_C:%.c=$(BUILD)/%.o) $(LIB_CXX:%.cpp=$(BUILD)/%.o)
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
SAMPLE_SRC := $(wildcard samples/generator/*.c)
SAMPLE_OBJ := $(SAMPLE_SRC:%.c=$(BUILD)/%.o)

# Debian packages: build libraries, OCR data, fonts for printing and for the
# synthetic handwriting, and the test framework.
DEB_PACKAGES := build-essential pkg-config libopencv-dev libtiff-dev libzbar-dev \
    libtesseract-dev tesseract-ocr-swe tesseract-ocr-eng libcriterion-dev libcairo2-dev \
    libqrencode-dev libpoppler-glib-dev libpng-dev libjpeg-dev libconfig-dev libjansson-dev \
    libsqlite3-dev fonts-dejavu-core fonts-dejavu-extra fonts-dkg-handwriting fonts-breip \
    fonts-femkeklaver libcsv-dev time libssl-dev libmicrohttpd-dev libsodium-dev libreadstat-dev \
    libpq-dev

.PHONY: all deps test-deps e2e demo test bench fuzz clean install install-check
all: omr

omr: $(BUILD)/omr
	@if [ "$(BUILD)" = build ]; then ln -sf build/omr omr; fi

$(BUILD)/omr: $(BUILD)/scanner/cli/main.o $(BUILD)/libomr.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libomr.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

# omr --version: the release and the commit it was built from (main.o only)
$(BUILD)/scanner/cli/main.o: CPPFLAGS += -DOMR_VERSION='"$(VERSION) (git $(GIT_REV))"'

$(BUILD)/%.o: %.c $(wildcard scanner/*/*.h scanner/*/*/*.h samples/generator/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.cpp scanner/base/cv_wrap.h
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c -o $@ $<

$(BUILD)/omr-samples: $(SAMPLE_OBJ) $(BUILD)/libomr.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcsv

# the decode floor of samples/speed_bench.sh: the same decoding libraries, nothing of omr
$(BUILD)/decode_floor: samples/decode_floor.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDLIBS) $(POPPLER_LIBS)

$(BUILD)/tests/%: tests/%.c tests/helpers.h $(BUILD)/libomr.a $(BUILD)/omr
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests -o $@ $< $(BUILD)/libomr.a $(LDFLAGS) $(LDLIBS) $(POPPLER_LIBS) -lcriterion

# The fuzz harnesses: the library built again with clang for libFuzzer.
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_SECONDS ?= 60
$(BUILD)/fuzz/%: $(BUILD)/tests/fuzz/%.o $(BUILD)/libomr.a
	@mkdir -p $(dir $@)
	$(CXX) -fsanitize=fuzzer -o $@ $< $(BUILD)/libomr.a $(LDFLAGS) $(LDLIBS)

fuzz: deps
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="clang"
	$(MAKE) omr
	$(MAKE) FUZZ=1 CC=clang CXX=clang++ $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/fuzz/%)
	tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

# Installs only what is missing, so a second `make demo` does not touch apt.
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The statistics programs the analysis-export tests run (PSPP reads the SPSS
# syntax and data.sav, R the R script, haven data.sav and data.dta);
# installed like deps, only when missing.
TEST_DEB_PACKAGES := pspp r-base-core r-cran-haven postgresql
test-deps:
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(TEST_DEB_PACKAGES)"

# The review page in a real browser: Debian's chromium driven by playwright-core
# from npm (which never downloads a browser); see tests/e2e/.
E2E_DEB_PACKAGES := chromium chromium-driver sqlite3
e2e: deps
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(E2E_DEB_PACKAGES)"
	@command -v npm >/dev/null || $(MAKE) --no-print-directory deps DEB_PACKAGES="nodejs npm"
	$(MAKE) omr $(BUILD)/omr-samples
	tests/e2e/run.sh $(BUILD)

demo: deps
	$(MAKE) omr $(BUILD)/omr-samples
	samples/demo.sh $(BUILD)

test: deps test-deps e2e
	$(MAKE) omr $(TEST_BIN)
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp OMR_BIN=$(BUILD)/omr tests/run.sh $(TEST_BIN)

# the held-out set (samples/heldout) is made with Pillow and poppler's pdftoppm
BENCH_PACKAGES := python3 python3-pil python3-numpy poppler-utils

bench: deps
	@missing=$$(for p in $(BENCH_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	$(MAKE) omr $(BUILD)/omr-samples $(BUILD)/decode_floor
	samples/bench.sh $(BUILD)

# make install: the binary, the templates and calibration profiles (found by
# the binary under SHARE, compiled in as OMR_SHARE_DIR, or under
# PREFIX/share/omr beside PREFIX/bin/omr when the tree is moved as a whole),
# the man pages (man/) and the example daemon config and systemd units.
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
MAN_PAGES := $(wildcard man/*.1)
install: omr
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SHARE)/templates $(DESTDIR)$(SHARE)/calibration \
	    $(DESTDIR)$(SHARE)/contrib $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(BUILD)/omr $(DESTDIR)$(BINDIR)/omr
	install -m 644 templates/*.cfg templates/*.areas templates/*.indicators $(DESTDIR)$(SHARE)/templates/
	install -m 644 calibration/*.cfg $(DESTDIR)$(SHARE)/calibration/
	install -m 644 contrib/* README.md $(DESTDIR)$(SHARE)/contrib/
	install -m 644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/man1/

# Installs into a temporary DESTDIR and runs the installed omr from an empty
# folder (no ./templates to fall back on): --version, a template by name from
# the installed share folder, and every man page rendered by man -l.
install-check: omr
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(MAKE) --no-print-directory install DESTDIR="$$tmp/root" PREFIX=/usr >/dev/null; \
	mkdir "$$tmp/empty"; cd "$$tmp/empty"; \
	env -u OMR_TEMPLATE_DIR -u OMR_CALIBRATION_DIR "$$tmp/root/usr/bin/omr" --version; \
	env -u OMR_TEMPLATE_DIR -u OMR_CALIBRATION_DIR "$$tmp/root/usr/bin/omr" template check ekb-2024; \
	test -f "$$tmp/root/usr/share/omr/calibration/default.cfg"; \
	for p in $(MAN_PAGES); do \
	  n=$$(basename $$p); test -f "$$tmp/root/usr/share/man/man1/$$n"; \
	  if command -v man >/dev/null; then MANWIDTH=80 man -l "$$tmp/root/usr/share/man/man1/$$n" 2>&1 | grep -q "EXIT STATUS"; fi; \
	done; \
	for c in template render scan watch status review export frame report ledger; do \
	  test -f "$$tmp/root/usr/share/man/man1/omr-$$c.1" || { echo "no man page for omr $$c"; exit 1; }; done; \
	echo "install-check: the installed omr runs, finds its templates, and every command has a man page"

clean:
	rm -rf build build-san build-fuzz omr
