"""Lets in "Bearer staff" (simple response, with a context), fails on "Bearer crash", refuses the rest."""


def lambda_handler(event, context):
    token = event["identitySource"][0]
    if token == "Bearer crash":
        raise RuntimeError("authorizer broke")
    return {"isAuthorized": token == "Bearer staff", "context": {"role": "operator"}}
