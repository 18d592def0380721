# osimg.glance developer entry points. `make demo` and `make test` work on a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON        ?= python3
VENV          ?= .venv
BUILD_DIR     ?= .build
# ansible-test walks up to the nearest .git and would only see files git tracks there, so the
# collection tree it runs in must live outside this repository.
TEST_TREE_DIR ?= /tmp/osimg-glance-$(shell echo $(CURDIR) | md5sum | cut -c1-8)
LOCAL_CLOUD_STATE_DIR ?= $(CURDIR)/.local-cloud
export LOCAL_CLOUD_STATE_DIR

VENV_BIN      := $(abspath $(VENV))/bin
VENV_STAMP    := $(VENV)/.installed
COLLECTION    := $(TEST_TREE_DIR)/ansible_collections/osimg/glance
PY_VERSION    := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
ANSIBLE_TEST  := cd $(COLLECTION) && PATH=$(VENV_BIN):$$PATH $(VENV_BIN)/ansible-test
LOCAL_CLOUD   := $(PYTHON) tools/local_cloud.py
GET_PIP_CACHE := $(HOME)/.ansible/test/cache
CLOUDS_YAML   := $(LOCAL_CLOUD_STATE_DIR)/clouds.yaml

.PHONY: help venv tree cloud-up cloud-down cloud-purge cloud-status sanity units integration test demo build changelog-lint clean

help:
	@echo "make demo          set everything up and run examples/demo.yml against the local cloud"
	@echo "make test          set everything up and run sanity, unit and integration tests"
	@echo "make sanity | units | integration   one suite (integration brings the cloud up)"
	@echo "make cloud-up | cloud-down | cloud-status | cloud-purge   the local Keystone + Glance"
	@echo "make build         build the collection tarball into dist/"

$(VENV_STAMP): requirements.txt tools/requirements-dev.txt
	test -x $(VENV_BIN)/python || $(PYTHON) -m venv $(VENV)
	$(VENV_BIN)/python -m pip install --quiet --disable-pip-version-check -r tools/requirements-dev.txt 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true
	$(VENV_BIN)/python -c 'import ansible, requests, jsonpatch, pytest, xdist' 
	touch $@

venv: $(VENV_STAMP)

# Each suite mirrors the tree itself (a phony prerequisite runs once per make call, and
# integration must mirror after cloud-up has written tests/integration/integration_config.yml).
SYNC_TREE := $(PYTHON) tools/build_tree.py --build-dir $(TEST_TREE_DIR)

tree:
	@$(SYNC_TREE)

cloud-up:
	$(LOCAL_CLOUD) up

cloud-down:
	$(LOCAL_CLOUD) down

cloud-purge:
	$(LOCAL_CLOUD) down --purge

cloud-status:
	$(LOCAL_CLOUD) status

# ansible-test bootstraps pip in each venv from a script it downloads; serve our offline one.
# ansible-core 2.19 (pinned in tools/requirements-dev.txt) asks for pip 24.2.
$(GET_PIP_CACHE)/get_pip_%.py: tools/get_pip_offline.py
	mkdir -p $(GET_PIP_CACHE)
	cp tools/get_pip_offline.py $@

sanity: venv $(GET_PIP_CACHE)/get_pip_24_2.py
	@$(SYNC_TREE)
	$(ANSIBLE_TEST) sanity --venv --python $(PY_VERSION) --color no

units: venv
	@$(SYNC_TREE)
	$(ANSIBLE_TEST) units --local --python $(PY_VERSION) --color no

integration: venv cloud-up
	@$(SYNC_TREE)
	$(ANSIBLE_TEST) integration --local --python $(PY_VERSION) --color no

test: sanity units integration

build: venv
	mkdir -p dist
	$(VENV_BIN)/ansible-galaxy collection build --force --output-path dist .

demo: build cloud-up
	ANSIBLE_COLLECTIONS_PATH=$(abspath $(BUILD_DIR))/demo-collections \
	  $(VENV_BIN)/ansible-galaxy collection install --force -p $(BUILD_DIR)/demo-collections dist/osimg-glance-*.tar.gz
	OS_CLIENT_CONFIG_FILE=$(CLOUDS_YAML) ANSIBLE_COLLECTIONS_PATH=$(abspath $(BUILD_DIR))/demo-collections \
	  ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false \
	  $(VENV_BIN)/ansible-playbook -e ansible_python_interpreter=$(VENV_BIN)/python \
	    -e local_cloud_json=$(LOCAL_CLOUD_STATE_DIR)/cloud.json examples/demo.yml

changelog-lint: venv
	$(VENV_BIN)/antsibull-changelog lint

clean:
	rm -rf $(BUILD_DIR) $(TEST_TREE_DIR) dist

# ---- benchmarks: `make bench` (bench/run.py; results in docs/benchmarks.md and .png) ----------------
# Not tests: nothing asserts a time. BENCH_ARGS is passed to bench/run.py, e.g. BENCH_ARGS="--quick"
# or BENCH_ARGS="--size 512M --format qcow2 --cases upload,download".
BENCH_VENV    ?= .bench-venv
BENCH_ARGS    ?=
BENCH_STAMP   := $(BENCH_VENV)/.installed

$(BENCH_STAMP): bench/requirements.txt
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true
	$(BENCH_VENV)/bin/python -c 'import ansible_collections.openstack.cloud, openstack, glanceclient, openstackclient, matplotlib'
	touch $@

.PHONY: bench
bench: venv cloud-up $(BENCH_STAMP)
	@command -v curl >/dev/null && command -v qemu-img >/dev/null || \
	  { apt-get update -qq && apt-get install -y -qq curl qemu-utils; }
	$(BENCH_VENV)/bin/python bench/run.py --project-venv $(VENV) $(BENCH_ARGS)

# ---- the load test alone: `make reliability-load` (100 images, forks 20; about 3 minutes) ---------------------
# It is an integration target like the others, so `make integration` and `make test` (CI) run it too.
.PHONY: reliability-load
reliability-load: venv cloud-up tree
	$(ANSIBLE_TEST) integration reliability_load --local --python $(PY_VERSION) --color no
