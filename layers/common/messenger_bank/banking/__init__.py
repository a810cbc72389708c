"""Banking (APIWrapper): one typed interface over the bank's systems and the partners.

``service`` holds the operations the Lambdas call; ``clients`` speak each system's own dialect
(SOAP/XML with Basic auth, REST/JSON behind Keycloak, API keys) and turn every failure into a domain
error from ``messenger_bank.errors``.
"""
