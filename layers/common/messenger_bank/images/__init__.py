"""ImageAPI: card, receipt, share and partner offers pictures and the requisites PDF, rendered with Pillow,
stored in S3.

Import what you use from its module: the requests from `images.models`, `store` from `images.storage`, a
renderer from its own (`images.card`, `images.receipt`, `images.share`, `images.offers`, `images.requisites`)
where it draws. The package re-exports nothing (issue 20): a module that reads `images.settings` or
`images.formatting` (the monthly journeys, the card operations) loads neither the models nor the storage, and
Pillow and qrcode load only in the functions that draw.
"""
