# DOM CCTV: API + dashboard in one image (the dashboard is built with Node, served by Starlette).
# .dockerignore keeps the host's node_modules, .venv, var/, .env and caches out of the context.
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY schema/schema.graphql /src/schema/schema.graphql
COPY web/ ./
RUN npm run build

FROM python:3.12-slim-bookworm
# Production unless told otherwise: the server then refuses demo data, the simulator and weak
# secrets (see README, "Production checks"); HOST 0.0.0.0 so the published port reaches it.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 APP_ENV=production HOST=0.0.0.0 \
    SEED_DEMO_DATA=false SIMULATOR_ENABLED=false
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domcctv domcctv
COPY schema schema
COPY resolvers resolvers
COPY integrations integrations
COPY migrations migrations
RUN pip install --no-cache-dir .
COPY --from=web /src/web/dist web/dist
# Import the packages from /app, not from the site-packages copy: the server finds the dashboard
# at <package>/../web/dist.
ENV PYTHONPATH=/app
RUN useradd --system --home /app domcctv && mkdir -p var && chown -R domcctv var
USER domcctv
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health').status != 200)"
CMD ["domcctv", "serve"]
