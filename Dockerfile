# Callgenly API and worker image. One image, two commands:
#   API (default):  node dist/src/server.js
#   worker:         node dist/src/worker.js
#   migrations:     node dist/src/cli/migrate.js
#
# Debian slim, not Alpine: the Temporal SDK's native core-bridge and @swc/core ship glibc builds.

FROM node:20-slim AS base
# The npm the lockfile and package.json's allowScripts are made for (Node 20 ships npm 10, which
# ignores allowScripts and would run every dependency's install script).
ARG NPM_VERSION=11.19.1
RUN npm install -g npm@${NPM_VERSION} && npm cache clean --force
WORKDIR /app

FROM base AS build
COPY package.json package-lock.json ./
RUN npm ci
# Only what tsconfig.build.json compiles: no tests, no local .env or .data in the build context.
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY migrations ./migrations
RUN npm run build

FROM base AS runtime
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# Production dependencies include webpack and swc (via @temporalio/worker): the worker bundles the
# workflow code from dist/workflows at start-up.
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
CMD ["node", "dist/src/server.js"]
