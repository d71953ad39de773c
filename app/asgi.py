"""ASGI entry point for running under uvicorn/gunicorn with several workers:

    uvicorn app.asgi:app --host 0.0.0.0 --port 8000 --workers 2 --proxy-headers

Settings come from the environment (POLICYQA_*) or .env, as for ``policyqa serve``.
"""

from app.api import create_app

app = create_app()
