# The Sheba API as a container image (used by docker-compose.yml).
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p api --bin sheba

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /var/lib/sheba --create-home sheba
COPY --from=build /src/target/release/sheba /usr/local/bin/sheba
USER sheba
ENV SHEBA_BIND=0.0.0.0:8080 SHEBA_DATA_DIR=/var/lib/sheba RUST_LOG=info
VOLUME /var/lib/sheba
EXPOSE 8080
# `sheba health` asks the server itself; the image carries no HTTP client.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["sheba", "health"]
# SIGTERM drains requests (up to 30 s) and hands running jobs back to the queue.
STOPSIGNAL SIGTERM
CMD ["sheba", "serve"]
