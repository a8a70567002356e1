"""Reference backend: a small FastAPI app using PostgreSQL (psycopg_pool), Redis, HTTP and WebSocket routes,
start-up phases and infraprobe's health endpoints. It is what the demo lab runs and breaks, so it ships in the
package (`pip install 'infraprobe[lab]'` brings its dependencies); `examples/backend` runs this same app.

    BACKEND_PG_DSN=postgresql://app@127.0.0.1:5432/app BACKEND_PG_PASSWORD=... \\
    BACKEND_REDIS_URL=redis://127.0.0.1:6379/0 python -m infraprobe.lab.backend

or `uvicorn infraprobe.lab.backend.app:app`. Settings: see `settings.py`.
"""
