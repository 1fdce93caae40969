# One image for every role; docker-compose.yml picks the role with the command.
FROM node:24-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# GPU images: build with --build-arg ONNXRUNTIME_NODE_INSTALL=cuda12 to fetch the CUDA 12 provider.
ARG ONNXRUNTIME_NODE_INSTALL=skip
RUN npm ci --omit=dev --no-audit --no-fund \
    && if [ "$ONNXRUNTIME_NODE_INSTALL" != "skip" ]; then \
         ONNXRUNTIME_NODE_INSTALL=$ONNXRUNTIME_NODE_INSTALL node node_modules/onnxruntime-node/script/install.js; fi
COPY . .
ENV NODE_ENV=production DATA_DIR=/data HTTP_HOST=0.0.0.0
USER node
ENTRYPOINT ["node", "scripts/start.ts"]
