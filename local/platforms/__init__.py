"""Fake Telegram, Viber, WhatsApp Cloud API and Messenger platforms, with a chat page, for the local cloud.

from local.platforms import PlatformSecrets, start_platforms
server = start_platforms(webhook_base_url="http://127.0.0.1:3000", secrets=PlatformSecrets())
...  # the bot uses server.base_url as TELEGRAM_API_BASE_URL, VIBER_API_BASE_URL, META_GRAPH_API_BASE_URL
server.stop()
"""

from local.platforms.config import PlatformSecrets, platform_user_id
from local.platforms.inbound import SendError, SendRequest
from local.platforms.server import PRESET_USERS, PlatformsServer, start_platforms

__all__ = [
    "PRESET_USERS",
    "PlatformSecrets",
    "PlatformsServer",
    "SendError",
    "SendRequest",
    "platform_user_id",
    "start_platforms",
]
