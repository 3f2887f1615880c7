"""`uvicorn burt.service.asgi:app`: the app configured from the environment."""

from burt.service.app import create_app

app = create_app()
