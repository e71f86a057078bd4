# syntax=docker/dockerfile:1

# Build stage: every dependency, the Next.js console, and the server compiled to JavaScript.
FROM node:22-bookworm-slim AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run console:build && rm -rf console/.next/cache
RUN npm run build

# Runtime stage: production dependencies only (no TypeScript, no tsx) and the compiled server.
FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    HOST=0.0.0.0 \
    PORT=3000 \
    BERTH_DATA_DIR=/var/lib/berth
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# dist/console is a link to ../console: the server finds the console build beside itself.
COPY --from=build /app/dist ./dist
# Next may write caches under console/.next at run time.
COPY --from=build --chown=node:node /app/console ./console
# The data folder holds only per-replica state (temporary files, the prediction log's spill
# folder, the embedded database when no DATABASE_URL): artifacts go to BERTH_ARTIFACTS_URL.
RUN mkdir -p /var/lib/berth && chown node:node /var/lib/berth
USER node
EXPOSE 3000
# Only processes that serve HTTP answer this: docker-compose.yml turns it off for the worker.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server/main.js"]
