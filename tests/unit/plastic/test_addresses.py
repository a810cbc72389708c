"""The delivery address as typed, split into the fields core banking wants."""

from __future__ import annotations

import pytest

from messenger_bank.plastic.addresses import parse_address
from messenger_bank.plastic.errors import AddressNotUnderstood


@pytest.mark.parametrize(
    ("typed", "city", "street", "house", "flat", "postcode"),
    [
        ("г. Минск, ул. Ленина, д. 5, кв. 12", "Минск", "ул. Ленина", "5", "12", None),
        ("Гродно, ул. Советская 10", "Гродно", "ул. Советская", "10", None, None),
        ("220030, Minsk, Lenina street, 5, flat 3", "Minsk", "Lenina street", "5", "3", "220030"),
        ("Брэст, вуліца Гогаля, дом 7, кватэра 2", "Брэст", "вуліца Гогаля", "7", "2", None),
        ("Минск Ленина 5 12", "Минск", "Ленина", "5", "12", None),
    ],
)
def test_a_typed_address_splits_into_the_banks_fields(
    typed: str, city: str, street: str, house: str, flat: str | None, postcode: str | None
) -> None:
    address = parse_address(typed)

    assert (address.city, address.street, address.house, address.flat, address.postcode) == (
        city,
        street,
        house,
        flat,
        postcode,
    )


@pytest.mark.parametrize("typed", ["Minsk 5 street", "д. 5, кв. 12"])
def test_an_address_without_a_city_and_a_street_is_not_understood(typed: str) -> None:
    with pytest.raises(AddressNotUnderstood):
        parse_address(typed)
