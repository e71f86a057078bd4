# syntax=docker/dockerfile:1

# Build stage: every dependency, then the Next.js console.
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run console:build && rm -rf console/.next/cache

# Runtime stage: production dependencies only. tsx is one of them: the server runs from its
# TypeScript sources, with the decorator settings of tsconfig.json.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    HOST=0.0.0.0 \
    PORT=3000 \
    BERTH_DATA_DIR=/var/lib/berth
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json schema.graphql ./
COPY server ./server
COPY migrations ./migrations
# Next may write caches under console/.next at run time.
COPY --from=build --chown=node:node /app/console ./console
RUN mkdir -p /var/lib/berth && chown node:node /var/lib/berth
USER node
EXPOSE 3000
# Only processes that serve HTTP answer this: docker-compose.yml turns it off for the worker.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node_modules/.bin/tsx", "server/main.ts"]
