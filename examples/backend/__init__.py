"""Reference backend: a small FastAPI app using PostgreSQL (psycopg_pool), Redis, HTTP and WebSocket routes,
start-up phases and infraprobe's health endpoints. The app itself is `infraprobe.lab.backend` (the lab runs it
from the installed package); read it there. From the repository root:

    BACKEND_PG_DSN=postgresql://app@127.0.0.1:5432/app BACKEND_PG_PASSWORD=... \\
    BACKEND_REDIS_URL=redis://127.0.0.1:6379/0 python -m examples.backend

or `uvicorn examples.backend.app:app`. Settings: see `infraprobe/lab/backend/settings.py`.
"""
