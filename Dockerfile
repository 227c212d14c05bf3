# syntax=docker/dockerfile:1
#
# One image for every node: SERVICES picks what a container runs (api, users, auth, notifications).
#   docker build -t user-backend .
#   docker run -e SERVICES=api -e TRANSPORTER=nats://user:password@nats:4222 -e JWT_PUBLIC_KEYS="…" -p 3000:3000 user-backend

# ---- build: TypeScript → dist/ ----------------------------------------------------------------------
FROM node:24-alpine AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The "node" devDependency installs a glibc Node 24 into node_modules for local development; it cannot run
# on alpine (musl), and this image has Node 24 already. So no install script runs here (tsc needs none)
# and its node_modules/.bin/node link is removed, leaving `npm run build` to the image's own node.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && rm -f node_modules/.bin/node
COPY . .
RUN npm run build

# ---- runtime ----------------------------------------------------------------------------------------
FROM node:24-alpine AS runtime
ENV NODE_ENV=production \
    DATA_DIR=/app/data \
    PORT=3000 \
    METRICS_PORT=3030 \
    HEALTH_PORT=3001
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only: the "node" devDependency is left out, the image's Node 24 runs the
# server. The compiled server needs no install script (package.json#allowScripts lists the ones allowed
# in development: esbuild for tsx, @swc/core for the tests), so none runs here.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force \
 && mkdir -p /app/data \
 && chown node:node /app/data
COPY --from=build /app/dist ./dist
# The hosted pages (HOSTED_PAGES): dist/web/serve.js reads their HTML fragments and browser modules from here.
COPY --from=build /app/web/pages ./web/pages
COPY --from=build /app/web/assets ./web/assets

# The image's unprivileged "node" user (uid 1000).
USER node
EXPOSE 3000 3030 3001

# Every node, whatever its services, answers /ready on HEALTH_PORT: healthy = its services started, its store
# reachable, its transporter connected. HEALTH_PORT=0 turns that server off, and with it this check.
# No curl in alpine: node's built-in fetch.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const p = process.env.HEALTH_PORT || '3001'; if (p === '0') process.exit(0); fetch('http://127.0.0.1:' + p + '/ready', { signal: AbortSignal.timeout(4000) }).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1));"]

# Moleculer stops gracefully on SIGTERM (in-flight requests finish first): give it that time
# (docker stop -t / stop_grace_period / terminationGracePeriodSeconds ≥ 30 s).
STOPSIGNAL SIGTERM
CMD ["node", "--disable-warning=DEP0174", "dist/server.js"]
