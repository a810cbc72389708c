"""Settings every test shares (docs/testing.md, "Suite run time")."""

from __future__ import annotations

# moto is imported before anything makes a boto3 session, so every session has moto's request hook.
from moto.core.config import default_user_config

from tests.support.aws import kms_key_pairs_made_on_first_use

# Each `mock_aws()` would otherwise drop boto3's default session, and the next client would parse botocore's
# endpoint and service JSON again: about 0.3 s a case, most of the unit suite's time. Kept, the session caches
# the parsed models; moto still resets every backend (tables, queues, keys) when a mock starts and ends, and
# clients are still made afresh, so no case sees another's data.
default_user_config["core"]["reset_boto3_session"] = False

kms_key_pairs_made_on_first_use()
