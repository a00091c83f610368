# Amont — container image, built in three stages:
#   1. the browser app (TypeScript + Vite)  -> /src/frontend/dist
#   2. the server (Rust, release)           -> /src/target/release/amont
#   3. a slim runtime with libpq only, running as the non-root user `amont`.
#
#   docker build -t amont .
#   docker compose up            (PostgreSQL + Mailpit + Amont, see docker-compose.yml)

# ---------------------------------------------------------------------------
# 1. Front end
# ---------------------------------------------------------------------------
FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend
# Dependencies first, so that this layer is reused while only sources change.
COPY frontend/package.json frontend/package-lock.json ./
COPY frontend/tools/package.json frontend/tools/package-lock.json ./tools/
RUN npm ci --no-audit --no-fund && npm --prefix tools ci --no-audit --no-fund
COPY frontend/ ./
# The API's types are generated from the OpenAPI document (src/http/openapi.json).
COPY src/http/openapi.json /src/src/http/openapi.json
RUN npm run build

# ---------------------------------------------------------------------------
# 2. Server
# ---------------------------------------------------------------------------
FROM rust:1-bookworm AS server
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Everything the crate may need (Cargo.toml, Cargo.lock, src/, migrations/ embedded
# at compile time, build.rs if any, ...); .dockerignore keeps target/, var/,
# node_modules and .git out of the build context.
COPY . .
RUN cargo build --release --locked \
    && strip target/release/amont

# ---------------------------------------------------------------------------
# 3. Runtime
# ---------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 amont \
    && useradd --system --uid 10001 --gid amont --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin amont \
    && mkdir -p /app/var \
    && chown -R amont:amont /app

COPY --from=server /src/target/release/amont /usr/local/bin/amont
COPY --from=frontend /src/frontend/dist /app/frontend/dist

WORKDIR /app
ENV AMONT_BIND=0.0.0.0:8080 \
    AMONT_STATIC_DIR=/app/frontend/dist
USER amont
EXPOSE 8080
# No HEALTHCHECK here: the image has no HTTP client. docker-compose.yml checks
# GET /healthz with bash's /dev/tcp instead.
CMD ["amont", "serve"]
