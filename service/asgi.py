"""`uvicorn burt.service.asgi:app`: the app configured from the environment, with burt's logs."""

from burt.service.app import create_app
from burt.service.config import Config
from burt.service.edge.logs import configure_logging

config = Config.from_env()
configure_logging(config.log_format, config.log_level)
app = create_app(config)
