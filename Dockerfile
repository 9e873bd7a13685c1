# syntax=docker/dockerfile:1
# tcs-portal container image: a Rust build stage and a small Debian runtime.
#   docker build -t tcs-portal .
#   docker compose up -d          (see docker-compose.yml and README.md)

# ---- build ------------------------------------------------------------------------------
FROM rust:1.95-bookworm AS build
WORKDIR /src
# The sqlx query macros check SQL against the committed .sqlx/ metadata: no database at build.
ENV SQLX_OFFLINE=true
# The SAML crate (samael) binds libxmlsec1 and libxml2; bindgen needs libclang.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libxmlsec1-dev libxml2-dev pkg-config libclang-dev \
    && rm -rf /var/lib/apt/lists/*
COPY . .
# BuildKit cache mounts keep the crate registry and compiled dependencies between builds.
# The binary is copied out inside the same step, because the cached target dir is not part
# of the image layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin tcs-portal \
    && install -D -m 0755 target/release/tcs-portal /out/tcs-portal

# ---- runtime ----------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime
# ca-certificates: TLS to an SMTP relay and to DigiCert's API (rustls with the system roots);
# libxmlsec1-openssl and libxml2: SAML signature checks (samael).
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libxmlsec1 libxmlsec1-openssl libxml2 \
    && rm -rf /var/lib/apt/lists/*
# A fixed, unprivileged uid, so files mounted from the host (a key file, a mail dir) can be
# given to it: chown 10001.
RUN groupadd --system --gid 10001 tcs \
    && useradd --system --uid 10001 --gid tcs --home-dir /app --shell /usr/sbin/nologin tcs
WORKDIR /app
COPY --from=build /out/tcs-portal /usr/local/bin/tcs-portal
# Templates, static files, translations, migrations and the password list are all compiled
# into the binary: nothing else is needed at run time. /app/mail is for TCS_MAIL_TRANSPORT=file.
RUN install -d -o tcs -g tcs /app/mail
USER tcs:tcs
ENV TCS_BIND=0.0.0.0:8080 \
    TCS_LOG_FORMAT=json \
    TCS_MAIL_DIR=/app/mail
# 8080 is the public listener. The admin listener (/metrics, TCS_ADMIN_BIND, 9090 by default)
# is deliberately not exposed here: publish it only to the operators' network.
EXPOSE 8080
# Exec form, no shell in between: `docker stop` sends SIGTERM straight to tcs-portal, which
# handles it with a graceful shutdown (compose adds `init: true` to reap any child processes).
ENTRYPOINT ["tcs-portal"]
CMD ["serve"]
