"""A delivery address as the customer typed it ("г. Минск, ул. Ленина, д. 5, кв. 12") split into the
fields core banking wants: city and street (required), house, flat, postcode."""

from __future__ import annotations

import re
import unicodedata

from pydantic import ValidationError

from messenger_bank.banking.models.core import DeliveryAddress
from messenger_bank.plastic.errors import AddressNotUnderstood

_CITY = re.compile(r"^(г\.|г |город |горад |city of |city )\s*", re.IGNORECASE)
_FLAT = re.compile(r"^(кв\.?|квартира|кватэра|flat|apt\.?|apartment)\s*(?P<v>\S+)$", re.IGNORECASE)
_HOUSE = re.compile(r"^(д\.?|дом|house|bld\.?)\s*(?P<v>\S+(\s*(к|корп\.?|корпус)\s*\d+)?)$", re.IGNORECASE)
_NUMBER = re.compile(r"^\d+[A-Za-zА-яЁёІіЎў]?(/\d+)?(\s*(к|корп\.?|корпус)\s*\d+)?$", re.IGNORECASE)
_POSTCODE = re.compile(r"\b(\d{6})\b")
_STREET_AND_HOUSE = re.compile(r"^(?P<street>.*\D)\s+(?P<house>\d+\S*)$")
# Without commas: "Минск Ленина 5 12".
_NO_COMMAS = re.compile(r"^(?P<city>\S+)\s+(?P<street>.+?)\s+(?P<house>\d+\S*)(\s+(кв\.?\s*)?(?P<flat>\d+\S*))?$")


def parse_address(text: str) -> DeliveryAddress:
    """Raises AddressNotUnderstood when no city and street can be told apart."""
    value = " ".join(unicodedata.normalize("NFKC", text).split())
    fields: dict[str, str] = {}
    postcode = _POSTCODE.search(value)
    if postcode:
        fields["postcode"] = postcode.group(1)
        value = (value[: postcode.start()] + value[postcode.end() :]).strip(" ,;")
    parts = [p.strip() for p in re.split(r"[,;]", value) if p.strip()]
    if len(parts) == 1:
        match = _NO_COMMAS.match(parts[0])
        if match is None:
            raise AddressNotUnderstood("no city and street")
        parts = [match["city"], match["street"], match["house"]] + ([f"кв. {match['flat']}"] if match["flat"] else [])
    rest: list[str] = []
    for part in parts:
        if (flat := _FLAT.match(part)) and "flat" not in fields:
            fields["flat"] = flat["v"]
        elif (house := _HOUSE.match(part) or (_NUMBER.match(part) if rest else None)) and "house" not in fields:
            fields["house"] = house["v"] if "v" in house.groupdict() else house.group(0)
        else:
            rest.append(part)
    if len(rest) < 2:
        raise AddressNotUnderstood("no city and street")
    city, street = _CITY.sub("", rest[0]).strip(), ", ".join(rest[1:])
    if "house" not in fields and (split := _STREET_AND_HOUSE.match(street)):
        street, fields["house"] = split["street"].strip(), split["house"]
    try:
        return DeliveryAddress(city=city, street=street, **fields)
    except ValidationError as exc:
        raise AddressNotUnderstood("a part of the address is too long") from exc
