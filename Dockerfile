# sync-oauth-token as a sidecar of OpenClaw's compose project: it watches the
# Claude credentials and recreates the openclaw-gateway service through the
# host's Docker socket. Mount the socket, the Claude config directory and the
# OpenClaw directory (at the same path as on the host, so compose resolves the
# project's relative paths as the host does). See README.md, "Install".

# Build: the official Deno image compiles the binary with the flags of
# src/flags.sh baked in (the tool imports only its own files: zod is bundled
# in src/lib/zod/, so nothing is fetched).
FROM denoland/deno:2.9.6 AS build
WORKDIR /src
COPY deno.json ./
COPY src/ src/
# the gateway's service name, for the direct route to OpenClaw over the compose
# network (an ARG is in the environment of the RUN below, for src/flags.sh)
ARG SOT_ALLOW_HOSTS=openclaw-gateway
RUN deno task compile && ./dist/sync-oauth-token --version

# The docker CLI and the compose v2 plugin (static binaries).
FROM docker:28-cli AS docker

# Run: a slim glibc base with the binary, the docker CLI and compose v2.
FROM debian:bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*
COPY --from=docker /usr/local/bin/docker /usr/local/bin/docker
COPY --from=docker /usr/local/libexec/docker/cli-plugins/docker-compose /usr/local/libexec/docker/cli-plugins/docker-compose
COPY --from=build /src/dist/sync-oauth-token /usr/local/bin/sync-oauth-token
ENV SYNC_OAUTH_TOKEN_CREDENTIALS=/claude/.credentials.json \
  NO_COLOR=1
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/sync-oauth-token"]
CMD ["watch"]
