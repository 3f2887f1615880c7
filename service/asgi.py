"""`uvicorn service.asgi:app`: the app configured from the environment."""

from service.app import create_app

app = create_app()
