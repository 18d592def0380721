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

.PHONY: help venv release-venv tree cloud-up cloud-down cloud-purge cloud-status sanity units integration test \
	checks versions lint docs ee changelog-lint changelog-release build build-check demo clean

help:
	@echo "make demo          set everything up and run examples/demo.yml against the local cloud"
	@echo "make test          set everything up and run every check below (CI runs this)"
	@echo "make sanity | units | integration   one ansible-test suite (integration brings the cloud up)"
	@echo "make versions      sanity and units on the other supported ansible-core releases (need Python 3.12+)"
	@echo "make lint          ansible-lint (production profile), reuse lint, antsibull-docs lint"
	@echo "make docs          the docs site (antsibull-docs + Sphinx) into $(DOCS_DIR)/html"
	@echo "make ee            ansible-builder: build context of the example execution environment"
	@echo "make changelog-lint | changelog-release   fragments lint; a trial release in a scratch copy"
	@echo "make build-check   build the tarball and check its file list"
	@echo "make cloud-up | cloud-down | cloud-status | cloud-purge   the local Keystone + Glance"
	@echo "                   (on a PostgreSQL cluster of their own; LOCAL_CLOUD_DATABASE=sqlite for SQLite)"
	@echo "make build         build the collection tarball into dist/"

$(VENV_STAMP): requirements.txt tools/requirements-dev.txt tools/requirements-test.txt
	test -x $(VENV_BIN)/python || $(PYTHON) -m venv $(VENV)
	$(VENV_BIN)/python -m pip install --quiet --disable-pip-version-check -r tools/requirements-dev.txt 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true
	$(VENV_BIN)/python -c 'import ansible, requests, jsonpatch, pytest, xdist' 
	touch $@

venv: $(VENV_STAMP)

# The release checks' tools (ansible-lint, antsibull-docs + Sphinx, ansible-builder, reuse) live in a
# venv of their own, so that their dependencies never move what the tests run with.
VENV_RELEASE  ?= .venv-release
RELEASE_BIN   := $(abspath $(VENV_RELEASE))/bin
RELEASE_STAMP := $(VENV_RELEASE)/.installed

$(RELEASE_STAMP): tools/requirements-release.txt
	test -x $(RELEASE_BIN)/python || $(PYTHON) -m venv $(VENV_RELEASE)
	$(RELEASE_BIN)/python -m pip install --quiet --disable-pip-version-check -r tools/requirements-release.txt 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true
	$(RELEASE_BIN)/python -c 'import ansiblelint, antsibull_docs, ansible_builder, reuse, sphinx_ansible_theme'
	touch $@

release-venv: $(RELEASE_STAMP)

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

# ---- supported ansible-core releases -------------------------------------------------------------------
# meta/runtime.yml requires ansible-core >= 2.19: the releases still maintained (2.16 to 2.18 are end of
# life). .venv runs 2.19, the newest that installs on Python 3.11, through every suite; `make versions`
# runs sanity and units on the others in venvs of their own (they need Python 3.12+, taken from PATH or
# pyenv; a release with no such interpreter is reported as not tested), and the compile and import
# sanity tests on the oldest supported target Python (tests/config.yml).
OTHER_CORE_VERSIONS ?= 2.20 2.21
OLDEST_TARGET_PYTHON ?= 3.9

versions:
	$(PYTHON) tools/test_versions.py $(OTHER_CORE_VERSIONS) --tree-base $(TEST_TREE_DIR) \
	  --target-python $(OLDEST_TARGET_PYTHON) --log-dir $(abspath $(BUILD_DIR))/versions

# ---- release checks ---------------------------------------------------------------------------------------
# ansible-lint finds the playbooks, roles and task files itself (examples/, roles/, every integration
# target); .ansible-lint holds its settings. It resolves the modules from the collection tree (offline:
# it installs nothing). antsibull-docs lints the docs in that tree, where ansible-doc can load them.
lint: release-venv
	@$(SYNC_TREE)
	ANSIBLE_COLLECTIONS_PATH=$(TEST_TREE_DIR) PATH=$(RELEASE_BIN):$$PATH $(RELEASE_BIN)/ansible-lint
	$(RELEASE_BIN)/reuse lint
	cd $(COLLECTION) && PATH=$(RELEASE_BIN):$$PATH $(RELEASE_BIN)/antsibull-docs lint-collection-docs --plugin-docs .

DOCS_DIR      ?= $(BUILD_DIR)/docs

docs: release-venv
	@$(SYNC_TREE)
	PATH=$(RELEASE_BIN):$$PATH $(RELEASE_BIN)/python tools/build_docs.py --collections-path $(TEST_TREE_DIR) --dest $(DOCS_DIR)

ee: release-venv build
	PATH=$(RELEASE_BIN):$$PATH $(RELEASE_BIN)/python tools/check_release.py ee --work-dir $(BUILD_DIR)/ee

# The scratch copy lives outside the repository: antsibull-changelog reads only what git tracks in the
# repository around it.
changelog-release: venv
	PATH=$(VENV_BIN):$$PATH $(VENV_BIN)/python tools/check_release.py changelog --work-dir $(TEST_TREE_DIR)-changelog

build-check: build
	$(VENV_BIN)/python tools/check_release.py tarball dist/osimg-glance-$(COLLECTION_VERSION).tar.gz

# ---- make test (CI) -------------------------------------------------------------------------------------
# First two lanes on the two cores: one brings the local cloud up and runs the release checks, sanity and
# units in order, stopping at the first failure; the other runs `make versions` and prints one line per
# step. Integration runs after both, alone, since its fault and load scenarios measure time.
CHECKS := cloud-up changelog-lint changelog-release lint docs ee build-check sanity units

test: venv
	@$(MAKE) --no-print-directory -j2 checks versions
	@$(MAKE) --no-print-directory integration

checks:
	@for check in $(CHECKS); do $(MAKE) --no-print-directory $$check || exit 1; done

COLLECTION_VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)

build: venv
	mkdir -p dist
	rm -f dist/osimg-glance-*.tar.gz
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
	rm -rf $(BUILD_DIR) $(TEST_TREE_DIR) $(TEST_TREE_DIR)-core* $(TEST_TREE_DIR)-changelog dist

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

# ---- the race test alone: `make reliability-race` (6 runs of one task at once, 3 rounds; about 3 minutes) -------
# Listed as disabled in its aliases until glance_image converges concurrent creates; this target runs it anyway.
.PHONY: reliability-race
reliability-race: venv cloud-up tree
	$(ANSIBLE_TEST) integration reliability_race --allow-disabled --local --python $(PY_VERSION) --color no
