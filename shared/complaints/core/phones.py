"""Phone numbers in E.164, parsed with the portal's default region."""

from __future__ import annotations

from complaints.core.errors import InvalidField


def to_e164(phone: str, region: str, field: str = "customer.phone") -> str:
    import phonenumbers  # by the requests that carry a number, not by every cold start

    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidField(field, "not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidField(field, f"not a valid phone number (default region {region})")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
