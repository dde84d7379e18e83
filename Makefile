# Customer 360 — the two commands are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEMO_DATA := var/demo-data
# The demo data ends on the day it is generated, so "today" has sales: it is regenerated once a day.
DEMO_STAMP := $(DEMO_DATA)/.generated-$(shell date +%F)
DEBIAN_PACKAGES := postgresql unixodbc tdsodbc chromium chromium-driver openjdk-17-jdk-headless maven
DEBIAN_PACKAGES += poppler-utils  # pdftotext: the report tests read the PDFs they download
# One BLAS thread per process: the models' matrices are small, and on a busy two-core machine OpenBLAS's
# waiting threads cost more than they give (a demo batch: 19.3 s of CPU with its threads, 13.7 s without).
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: demo test check lint typecheck security format tsql system-deps demo-data pipeline portal clean streams kafka-jars test-install

demo: $(VENV)/.runtime $(DEMO_STAMP)  ## install, generate demo data, run the pipeline, serve the portal with gunicorn
	$(PY) -m pipeline run
	$(VENV)/bin/gunicorn -c gunicorn.conf.py "app:create_server()"  # workers and threads: gunicorn.conf.py

test: $(VENV)/.dev system-deps kafka-jars  ## run the whole test suite (Java tests of streams/, then Python)
	mvn -q -f streams/pom.xml test
	@# Three test processes on two cores: the Kafka, Streams and browser tests spend much of their time waiting.
	$(PY) -m pytest -n 3 --dist worksteal -m "not install and not spark" --durations=40  # slowest tests printed last

test-install: $(VENV)/.dev  ## the tests that build fresh virtual environments from the package index (CI runs them)
	$(PY) -m pytest -m install

.PHONY: test-spark
SPARK_VENV := var/venv-spark
$(SPARK_VENV)/.ok: $(VENV)/.dev requirements-spark.txt
	$(PY) -m venv $(SPARK_VENV)
	$(SPARK_VENV)/bin/pip install -q -r requirements-spark.txt
	$(PY) -c "import sysconfig; print(sysconfig.get_paths()['purelib'])" \
	  > "$$($(SPARK_VENV)/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")/project-venv.pth"
	touch $@

test-spark: $(SPARK_VENV)/.ok  ## identity resolution on Splink's Spark backend: pyspark (local mode, Java 17) over the project's venv
	C360_REQUIRE_SPARK=1 $(SPARK_VENV)/bin/python -m pytest -m spark -p no:randomly tests/integration/identity/test_spark_backend.py

streams:  ## build the Kafka Streams application: streams/target/c360-streams.jar
	mvn -q -f streams/pom.xml package -DskipTests

check: lint typecheck security test  ## ruff + mypy + security scans + tests

lint: $(VENV)/.dev
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

typecheck: $(VENV)/.dev
	$(VENV)/bin/mypy .

security: $(VENV)/.dev  ## bandit over the code, pip-audit over the pinned dependencies (findings: docs/security.md)
	$(VENV)/bin/bandit -q -r app.py api components models pages pipeline warehouse settings.py
	$(PY) deploy/security/dependency_audit.py

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

tsql: $(VENV)/.runtime  ## regenerate warehouse/sql/sqlserver/schema.sql from the schema
	$(PY) -m warehouse.ddl

demo-data: $(DEMO_STAMP)

$(DEMO_STAMP): | $(VENV)/.runtime
	rm -rf $(DEMO_DATA)
	$(PY) -m pipeline demo-data --out $(DEMO_DATA)
	touch $@

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $(VENV)/.runtime $@

# Debian packages the tests use: a PostgreSQL server, ODBC for SQL Server, Chromium for browser tests,
# Java 17 and Maven for the Kafka broker, Kafka Connect and the Kafka Streams application.
system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing Debian packages (install as root):$$missing"; fi; \
	fi

# Kafka broker, Kafka Connect and Debezium jars from Maven Central (Java 17 and Maven); fetched once.
KAFKA_JARS := var/kafka
kafka-jars: $(KAFKA_JARS)/broker/.fetched $(KAFKA_JARS)/connect/.fetched  ## fetch the Kafka, Connect and Debezium jars

$(KAFKA_JARS)/broker/.fetched: deploy/kafka/pom.xml
	rm -rf $(KAFKA_JARS)/broker
	mvn -q -B -f deploy/kafka/pom.xml dependency:copy-dependencies -DincludeScope=runtime
	touch $@

$(KAFKA_JARS)/connect/.fetched: deploy/kafka/connect-pom.xml
	rm -rf $(KAFKA_JARS)/connect
	mvn -q -B -f deploy/kafka/connect-pom.xml dependency:copy-dependencies -DincludeScope=runtime
	touch $@

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache

RUNTIME_VENV := var/runtime-venv
.PHONY: evaluate-all
evaluate-all:  ## every `python -m models evaluate NAME` in a fresh venv built from requirements.txt alone
	rm -rf $(RUNTIME_VENV) && $(PYTHON) -m venv $(RUNTIME_VENV)
	$(RUNTIME_VENV)/bin/pip install -q -r requirements.txt
	for name in $$($(RUNTIME_VENV)/bin/python -c "from models.evaluate import EVALUATIONS; print(*EVALUATIONS)"); do \
	  $(RUNTIME_VENV)/bin/python -m models evaluate $$name || exit 1; done

# Operations (docs/operations.md): manifests, policy scan, Terraform, backups.
CHECKOV := var/checkov/bin/checkov
.PHONY: k8s-render k8s-validate policy-scan terraform-validate backup

k8s-render:  ## render the Kustomize overlays into var/k8s/
	mkdir -p var/k8s
	for o in production bluegreen; do kubectl kustomize deploy/k8s/overlays/$$o > var/k8s/$$o.yaml; done

k8s-validate: $(VENV)/.dev  ## the manifests against the Kubernetes schemas, offline
	$(PY) -m pytest -q tests/unit/deploy/test_kubernetes.py

$(CHECKOV):
	$(PYTHON) -m venv var/checkov
	var/checkov/bin/pip install -q checkov==3.3.30

policy-scan: $(CHECKOV) k8s-render  ## checkov over the rendered manifests, the Dockerfiles and the Terraform
	$(CHECKOV) -d var/k8s --framework kubernetes --compact --quiet
	$(CHECKOV) -f Dockerfile -f streams/Dockerfile --framework dockerfile --compact --quiet
	$(CHECKOV) -d deploy/terraform --framework terraform --compact --quiet

terraform-validate:  ## terraform init (no backend) + validate of deploy/terraform
	cd deploy/terraform && terraform init -backend=false -input=false >/dev/null && terraform validate

backup: $(VENV)/.runtime  ## back the warehouse up now (python -m warehouse.backup create)
	$(PY) -m warehouse.backup create
