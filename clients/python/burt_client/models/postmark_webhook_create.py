from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.postmark_webhook_create_provider import PostmarkWebhookCreateProvider

T = TypeVar("T", bound="PostmarkWebhookCreate")


@_attrs_define
class PostmarkWebhookCreate:
    """A Postmark webhook receiver, authenticated by the HTTP Basic credentials you choose.

    Example:
        {'provider': 'postmark', 'username': 'burt', 'password': 'correct-horse-battery-staple'}

    Attributes:
        provider (PostmarkWebhookCreateProvider): The platform.
        username (str): The Basic-auth username (no colon).
        password (str): The Basic-auth password (at least 12 characters; generate 20 or more).
    """

    provider: PostmarkWebhookCreateProvider
    username: str
    password: str

    def to_dict(self) -> dict[str, Any]:
        provider = self.provider.value

        username = self.username

        password = self.password

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "provider": provider,
                "username": username,
                "password": password,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        provider = PostmarkWebhookCreateProvider(d.pop("provider"))

        username = d.pop("username")

        password = d.pop("password")

        postmark_webhook_create = cls(
            provider=provider,
            username=username,
            password=password,
        )

        return postmark_webhook_create
