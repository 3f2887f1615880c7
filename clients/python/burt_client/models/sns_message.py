from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.sns_message_signature_version import SnsMessageSignatureVersion
from ..models.sns_message_type import SnsMessageType
from ..types import UNSET, Unset

T = TypeVar("T", bound="SnsMessage")


@_attrs_define
class SnsMessage:
    """An Amazon SNS HTTP(S) message (only the fields burt reads are listed).

    Example:
        {'Type': 'Notification', 'MessageId': '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324', 'TopicArn': 'arn:aws:sns:us-
            east-1:123456789012:MyTopic', 'Message': 'Hello world!', 'Timestamp': '2012-05-02T00:54:06.655Z',
            'SignatureVersion': '1', 'Signature': 'EXAMPLE', 'SigningCertURL': 'https://sns.us-
            east-1.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem'}

    Attributes:
        type_ (SnsMessageType): The message type.
        message_id (str): The SNS message id.
        topic_arn (str): The topic.
        message (str): Notification: the SES event as a JSON string.
        timestamp (str): When SNS published it (ISO 8601).
        signature_version (SnsMessageSignatureVersion): 1 (SHA1withRSA) or 2 (SHA256withRSA).
        signature (str): Base64 signature of the canonical string.
        signing_cert_url (str): The signing certificate.
        subject (str | Unset): Notification: the subject, when given.
        subscribe_url (str | Unset): Confirmations: the URL that confirms.
        token (str | Unset): Confirmations: the confirmation token.
    """

    type_: SnsMessageType
    message_id: str
    topic_arn: str
    message: str
    timestamp: str
    signature_version: SnsMessageSignatureVersion
    signature: str
    signing_cert_url: str
    subject: str | Unset = UNSET
    subscribe_url: str | Unset = UNSET
    token: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        message_id = self.message_id

        topic_arn = self.topic_arn

        message = self.message

        timestamp = self.timestamp

        signature_version = self.signature_version.value

        signature = self.signature

        signing_cert_url = self.signing_cert_url

        subject = self.subject

        subscribe_url = self.subscribe_url

        token = self.token

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "Type": type_,
                "MessageId": message_id,
                "TopicArn": topic_arn,
                "Message": message,
                "Timestamp": timestamp,
                "SignatureVersion": signature_version,
                "Signature": signature,
                "SigningCertURL": signing_cert_url,
            }
        )
        if subject is not UNSET:
            field_dict["Subject"] = subject
        if subscribe_url is not UNSET:
            field_dict["SubscribeURL"] = subscribe_url
        if token is not UNSET:
            field_dict["Token"] = token

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = SnsMessageType(d.pop("Type"))

        message_id = d.pop("MessageId")

        topic_arn = d.pop("TopicArn")

        message = d.pop("Message")

        timestamp = d.pop("Timestamp")

        signature_version = SnsMessageSignatureVersion(d.pop("SignatureVersion"))

        signature = d.pop("Signature")

        signing_cert_url = d.pop("SigningCertURL")

        subject = d.pop("Subject", UNSET)

        subscribe_url = d.pop("SubscribeURL", UNSET)

        token = d.pop("Token", UNSET)

        sns_message = cls(
            type_=type_,
            message_id=message_id,
            topic_arn=topic_arn,
            message=message,
            timestamp=timestamp,
            signature_version=signature_version,
            signature=signature,
            signing_cert_url=signing_cert_url,
            subject=subject,
            subscribe_url=subscribe_url,
            token=token,
        )

        sns_message.additional_properties = d
        return sns_message

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
