"""An AppConfig validator: refuses a configuration that says "broken", as the flows' validator refuses a bundle."""

import base64


class ConfigurationRefused(Exception):
    pass


def lambda_handler(event, context):
    content = base64.b64decode(event["content"]).decode()
    if "broken" in content:
        raise ConfigurationRefused(f"version {event['configurationVersion']} says broken")
    return {"valid": True}
