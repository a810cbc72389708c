"""The security context: card data hygiene, sessions, one-time links, Web App data, JWE and JWT checks.

Modules (import the one you need; this package imports nothing eagerly, so that
``messenger_bank.observability`` can use ``security.logging`` without pulling in boto3):

    cards            Luhn, masks, finding and redacting card numbers, KMS-backed tokenisation
    documents        passport and personal numbers as typed; whether a text holds card or document numbers
    sealing          personal data sealed at rest with the chat-data KMS key (sessions, queued chat text)
    logging          redaction of card numbers and secret-named fields from every log record
    keys             signing keys for sessions and links (SSM SecureString, cached)
    session_tokens   the sign-in zone's short-lived session JWT; ownership checks
    links            one-time signed links for the PIN / password page; wrong-attempt limits;
                     Telegram Web App ``initData`` verification
    jwe              PIN / password encrypted for core banking (RSA-OAEP-256 + A256GCM)
    jwt_authorizer   Keycloak JWT verification and the HTTP API Lambda authorizer response
    errors           the domain errors raised by all of the above
"""
