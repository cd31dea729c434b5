# The inventory service as an image: `inventory serve` (gunicorn) on port 8000,
# as uid 10001, its data (SQLite database, report files) under the /data volume.
#
#   docker build -t inventory .
#   docker run -d --name inventory -p 127.0.0.1:8000:8000 -v inventory-data:/data inventory
#   docker exec inventory inventory keys create --name admin --role admin
#   docker stop -t 40 inventory
#
# The entrypoint is `inventory serve`; arguments after the image name replace
# only its options (`docker run ... inventory --workers 4 --host 0.0.0.0`).
# Any other command: `docker exec CONTAINER inventory ...` in a running
# container, or `docker run --rm --entrypoint inventory -v inventory-data:/data
# inventory products list`.
#
# podman keeps HEALTHCHECK only in the docker image format:
# `podman build --format docker -t inventory .`
#
# The build stage makes a wheel of the project and installs it, with its
# dependencies, into a virtual environment; the runtime stage copies that
# environment alone (no source tree, no pip, no setuptools). Both stages start
# from the same base, so that the environment finds its interpreter at the same
# path in the second. Override the base with a digest for a reproducible build:
#   --build-arg PYTHON_IMAGE=python:3.11-slim@sha256:...
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python3 -m venv /opt/venv
WORKDIR /src

# The dependencies first, read from pyproject.toml alone: a change to the code
# then reuses this layer instead of downloading every dependency again.
COPY pyproject.toml ./
RUN python3 -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; print(*deps, sep='\n')" > requirements.txt \
    && /opt/venv/bin/pip install --no-cache-dir -r requirements.txt

# Then the project as a wheel, so the image runs exactly what `pip install`
# of a release would (package data such as the SQL migrations included), not
# the source tree. `pip check` fails the build if the wheel needs anything the
# layer above did not install. pip and setuptools go last: nothing at run time
# needs them, and an image that cannot install packages is one thing less to
# patch.
COPY README.md LICENSE ./
COPY inventory ./inventory
RUN /opt/venv/bin/pip wheel --no-cache-dir --no-deps --wheel-dir /wheels . \
    && /opt/venv/bin/pip install --no-cache-dir --no-deps /wheels/inventory-*.whl \
    && /opt/venv/bin/pip check \
    && /opt/venv/bin/pip uninstall --yes --quiet setuptools pip \
    && /opt/venv/bin/python -c "import inventory.entrypoints.cli.main"


FROM ${PYTHON_IMAGE} AS runtime

# PYTHONDONTWRITEBYTECODE: the venv is owned by root and read-only to the
# service user; the bytecode pip compiled at install time is used as it is.
# PYTHONUNBUFFERED: log lines reach `docker logs` as they are written.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    INVENTORY_DATABASE_URL=sqlite:////data/inventory.db

# A fixed numeric uid, so that a volume's ownership means the same thing in
# every container made from this image and on the host; --no-log-init, or that
# high uid leaves a large sparse lastlog file in the layer. The base image's
# own pip (if it has one) goes as well.
RUN groupadd --gid 10001 inventory \
    && useradd --uid 10001 --gid inventory --no-log-init --no-create-home --home-dir /app \
        --shell /usr/sbin/nologin inventory \
    && mkdir -p /data \
    && chown -R 10001:10001 /data \
    && if python3 -m pip --version > /dev/null 2>&1; then \
        python3 -m pip uninstall --yes --quiet pip setuptools wheel; \
    fi

COPY --from=build /opt/venv /opt/venv

# The working directory is where a .env file would be read from; it stays
# root-owned: everything the service writes goes to /data.
WORKDIR /app
USER 10001:10001
# A new named volume is filled from here, so it starts owned by the service user.
VOLUME ["/data"]
EXPOSE 8000

# gunicorn's arbiter is PID 1. On SIGTERM it lets the requests in flight finish
# (up to its 30 s graceful timeout), stops its job runner, and exits 0; give it
# more than those 30 s (`docker stop -t 40`, compose's stop_grace_period) or it
# is killed mid-request.
STOPSIGNAL SIGTERM
# /ready, not /health: /ready answers 200 only while the service can do its
# work (every check it lists passes), which is what a load balancer or
# `depends_on: condition: service_healthy` should wait for. Python, since the
# slim base has no curl. The port is the one CMD serves on; a container started
# with another --port needs its own health check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/ready', timeout=4).status != 200)"]

ENTRYPOINT ["inventory", "serve"]
CMD ["--host", "0.0.0.0", "--port", "8000"]
