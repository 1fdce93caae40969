# One image for every role; docker-compose.yml picks the role with the command.
FROM node:24.9.0-bookworm-slim
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# onnxruntime-node's install script would download CUDA libraries; the CPU build ships in the
# package. GPU images: build with --build-arg ONNXRUNTIME_NODE_INSTALL=cuda12.
ARG ONNXRUNTIME_NODE_INSTALL=skip
RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev --no-audit --no-fund \
    && if [ "$ONNXRUNTIME_NODE_INSTALL" != "skip" ]; then \
         ONNXRUNTIME_NODE_INSTALL=$ONNXRUNTIME_NODE_INSTALL node node_modules/onnxruntime-node/script/install.js; fi \
    && npm cache clean --force
COPY . .
# The volume is created from this directory, so the unprivileged user owns the audio it writes.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
# Listening on every interface inside the container is what publishing a port needs, so the local
# chat is off unless LOCAL_CHAT=true comes with LOCAL_CHAT_TOKEN (start-up refuses otherwise).
ENV NODE_ENV=production DATA_DIR=/data HTTP_HOST=0.0.0.0 LOCAL_CHAT=false
USER node
EXPOSE 8080 9464
# node is PID 1: scripts/start.ts installs its SIGTERM handler before it loads any package
# (tested as PID 1 of a PID namespace); compose adds tini (init: true) on top.
ENTRYPOINT ["node", "scripts/start.ts"]
