"""Card issuance step: the digital card's picture (a Lambda; see onboarding/service.py), apart from the other
steps so that only its function loads the pictures' models and storage (issue 20).
"""

from __future__ import annotations

from messenger_bank.images.models import CardPictureRequest
from messenger_bank.images.settings import media_settings
from messenger_bank.images.storage import store
from messenger_bank.onboarding import applications
from messenger_bank.onboarding.models import IssuanceState
from messenger_bank.onboarding.names import card_holder


def warm_drawing() -> None:
    """RenderCardPicture's first-call costs, ahead (a journey's warm-up): Pillow and the card's design, the labels
    from the catalogue, the application's key and table, the media bucket's client."""
    from messenger_bank.images.card import card_picture  # noqa: F401  # loaded here, as the step loads it
    from messenger_bank.images.labels import labels
    from messenger_bank.images.storage import s3

    labels("ru")
    applications.warm()
    s3()


def render_card_picture(state: IssuanceState) -> IssuanceState:
    if state.card is None:
        raise ValueError("render_card_picture needs the issued card")
    from messenger_bank.images.card import card_picture  # Pillow only in the function that draws

    form = applications.unseal(state.application_id)
    latin, cyrillic = card_holder(form.full_name)
    picture = card_picture(
        CardPictureRequest(
            design="virtual_visa",
            masked_number=state.card.mask,
            holder_latin=latin,
            holder_cyrillic=cyrillic,
            expiry=state.card.expiry,
            language=state.language,
        )
    )
    stored = store("card", picture, "image/png", bucket=media_settings().bucket(), owner=state.customer_id)
    return state.model_copy(update={"picture_url": stored.url})
