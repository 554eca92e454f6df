"""Development: debug on, a local secret key, everything else from the environment."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = SECRET_KEY or "dev-only-not-secret-0f1e2d3c4b5a69788796a5b4c3d2e1f0"  # noqa: F405
