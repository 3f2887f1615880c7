"""Webhook receivers over HTTP (in-process ASGI, real SQLite file), one platform at a time, with
the platforms' documented payloads signed by keys the tests generate. No network: the SNS
certificate is pinned at registration."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from starlette.testclient import TestClient

from burt.engine.apikeys import ApiKey, hash_api_key, new_api_key
from burt.engine.store import SQLITE_FILENAME, SQLiteStore
from burt.service.app import create_app
from burt.service.config import Config
from burt.service.webhooks import sendgrid
from burt.service.webhooks.common import DeliveryRefused, Verification
from testing_support.signing import SendGridSigner
from tests import platforms
from tests.platforms import SnsSigner

MAILGUN_KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
ONE_OF_EACH = {
    "delivered": 1,
    "opened": 1,
    "clicked": 1,
    "bounced": 1,
    "complained": 1,
    "unsubscribed": 1,
}
"""The campaign's outcome totals after one event of each kind (the samples' mix)."""


@dataclass
class Hooks:
    client: TestClient
    db_path: Path
    keys: dict[str, str]
    campaign: str

    def auth(self, tenant: str = "acme") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[tenant]}"}

    def register(self, tenant: str = "acme", **body: Any) -> dict[str, Any]:
        response = self.client.post("/webhooks", json=body, headers=self.auth(tenant))
        assert response.status_code == 201, response.text
        return response.json()

    def status(self, webhook_id: str) -> dict[str, Any]:
        response = self.client.get(f"/webhooks/{webhook_id}", headers=self.auth())
        assert response.status_code == 200, response.text
        return response.json()

    def outcomes(self) -> dict[str, int]:
        response = self.client.get(f"/campaigns/{self.campaign}/stats", headers=self.auth())
        assert response.status_code == 200, response.text
        totals: dict[str, int] = {}
        for variant in response.json()["variants"]:
            for kind, n in variant["outcomes"].items():
                totals[kind] = totals.get(kind, 0) + n
        return {k: n for k, n in totals.items() if n}

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Any:
        return self.client.post(url, content=body, headers=headers)


def _provision(db_path: Path, keys: dict[str, str]) -> None:
    async def run() -> None:
        store = SQLiteStore(db_path)
        await store.open()
        for tenant, key in keys.items():
            await store.add_api_key(ApiKey(hash_api_key(key), tenant))
        await store.close()

    asyncio.run(run())


@pytest.fixture
def hooks(tmp_path: Path) -> Iterator[Hooks]:
    keys = {tenant: new_api_key() for tenant in ("acme", "globex")}
    db_path = tmp_path / SQLITE_FILENAME
    _provision(db_path, keys)
    config = Config(data_dir=tmp_path, sns_auto_confirm=False, public_url="https://burt.example")
    with TestClient(create_app(config)) as client:
        auth = {"Authorization": f"Bearer {keys['acme']}"}
        body = {
            "name": "hooks",
            "optimize": "opened",
            "variants": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
        }
        campaign = client.post("/campaigns", json=body, headers=auth).json()["id"]
        contacts = [{"id": c} for c in ("c1", "c2", "c3", "pending")]
        client.post(f"/campaigns/{campaign}/contacts", json={"contacts": contacts}, headers=auth)
        drawn = client.post(
            f"/campaigns/{campaign}/batches",
            json={"size": 3},
            headers={**auth, "Idempotency-Key": "first"},
        )
        assert drawn.status_code == 201
        yield Hooks(client=client, db_path=db_path, keys=keys, campaign=campaign)


def assert_refused(response: Any, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert words in response.json()["detail"], response.json()


def path_of(webhook: dict[str, Any]) -> str:
    url = webhook["url"]
    assert url.startswith("https://burt.example/webhooks/")
    return url.removeprefix("https://burt.example")


# --- registration ----------------------------------------------------------------------------


def test_registration_checks_what_each_provider_needs_and_returns_no_secret(hooks: Hooks) -> None:
    signer = SendGridSigner()
    made = [
        hooks.register(provider="sendgrid", verification_key=signer.verification_key),
        hooks.register(provider="mailgun", signing_key=MAILGUN_KEY),
        hooks.register(provider="postmark", username="burt", password="correct-horse-battery"),
        hooks.register(provider="ses", topic_arn=platforms.TOPIC),
    ]
    assert [w["url"] for w in made] == [
        f"https://burt.example/webhooks/{w['provider']}/{w['id']}" for w in made
    ]
    listed = hooks.client.get("/webhooks", headers=hooks.auth()).json()
    assert [w["id"] for w in listed["items"]] == [w["id"] for w in made]
    text = json.dumps(listed)
    for secret in (MAILGUN_KEY, "correct-horse-battery"):
        assert secret not in text
    with sqlite3.connect(hooks.db_path) as db:
        stored = " ".join(row[0] for row in db.execute("SELECT doc FROM webhooks"))
    assert MAILGUN_KEY not in stored and "correct-horse-battery" not in stored
    assert made[2]["username"] == "burt" and made[3]["topic_arn"] == platforms.TOPIC

    for body, words in [  # the provider's own schema first, then what only burt can check
        ({"provider": "sendgrid"}, "missing required field `verification_key`"),
        ({"provider": "sendgrid", "verification_key": "bm90IGEga2V5"}, "verification_key is"),
        ({"provider": "mailgun", "signing_key": "k", "topic_arn": platforms.TOPIC}, "topic_arn"),
        ({"provider": "postmark", "username": "u"}, "missing required field `password`"),
        ({"provider": "sparkpost"}, "sparkpost"),
        ({"provider": "ses", "topic_arn": platforms.TOPIC, "certificate_pem": "x"}, "PEM"),
    ]:
        response = hooks.client.post("/webhooks", json=body, headers=hooks.auth())
        assert_refused(response, 400, words)
    assert hooks.client.get("/webhooks").status_code == 401


def test_a_receiver_belongs_to_its_tenant(hooks: Hooks) -> None:
    webhook = hooks.register(provider="mailgun", signing_key=MAILGUN_KEY)
    other = hooks.auth("globex")
    assert hooks.client.get(f"/webhooks/{webhook['id']}", headers=other).status_code == 404
    assert hooks.client.delete(f"/webhooks/{webhook['id']}", headers=other).status_code == 404
    assert hooks.client.get("/webhooks", headers=other).json()["items"] == []
    gone = hooks.client.delete(f"/webhooks/{webhook['id']}", headers=hooks.auth())
    assert gone.status_code == 204
    body = platforms.mailgun_signed(MAILGUN_KEY, platforms.mailgun_event("opened", "e", "x", "y"))
    response = hooks.post(path_of(webhook), body, {"Content-Type": "application/json"})
    assert_refused(response, 404, "no mailgun webhook receiver")


# --- SendGrid ------------------------------------------------------------------------------


def test_sendgrid_documented_delivery_is_recorded_once(hooks: Hooks) -> None:
    signer = SendGridSigner()
    webhook = hooks.register(provider="sendgrid", verification_key=signer.verification_key)
    body = json.dumps(platforms.sendgrid_sample(hooks.campaign)).encode()
    response = hooks.post(path_of(webhook), body, signer.headers(body))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "received": 11,
        "recorded": 8,
        "duplicates": 0,
        "ignored": 3,
        "rejected": {},
    }
    expected = {
        "delivered": 1,
        "opened": 1,
        "clicked": 1,
        "bounced": 2,
        "complained": 1,
        "unsubscribed": 2,
    }
    assert hooks.outcomes() == expected
    retried = hooks.post(path_of(webhook), body, signer.headers(body))  # SendGrid re-signs
    assert retried.json()["duplicates"] == 8 and retried.json()["recorded"] == 0
    assert hooks.outcomes() == expected
    counts = hooks.status(webhook["id"])["counts"]
    assert (counts["deliveries"], counts["events"], counts["recorded"]) == (2, 22, 8)
    assert (counts["duplicates"], counts["ignored"]) == (8, 6)


def test_sendgrid_refuses_what_does_not_verify_and_records_nothing(hooks: Hooks) -> None:
    signer = SendGridSigner()
    webhook = hooks.register(provider="sendgrid", verification_key=signer.verification_key)
    url = path_of(webhook)
    body = json.dumps(platforms.sendgrid_sample(hooks.campaign)).encode()
    tampered = body.replace(b'"open"', b'"click"')
    assert_refused(hooks.post(url, tampered, signer.headers(body)), 401, "does not verify")
    assert_refused(hooks.post(url, body, SendGridSigner().headers(body)), 401, "does not verify")
    stale = signer.headers(body, int(time.time()) - 3600)
    assert_refused(hooks.post(url, body, stale), 401, "replay tolerance")
    bare = {"Content-Type": "application/json"}
    assert_refused(hooks.post(url, body, bare), 401, "no SendGrid signature")
    not_json = b"[{not json"
    assert_refused(hooks.post(url, not_json, signer.headers(not_json)), 400, "not valid JSON")
    no_id = json.dumps([{"event": "open", "timestamp": 1}]).encode()
    assert_refused(hooks.post(url, no_id, signer.headers(no_id)), 400, "sg_event_id")
    assert hooks.outcomes() == {}
    status = hooks.status(webhook["id"])
    assert status["counts"]["refused"] == {
        "bad_signature": 3,
        "stale_timestamp": 1,
        "malformed": 2,
    }
    assert status["counts"]["deliveries"] == 0 and status["last_error"]


def test_sendgrid_mixed_good_and_unroutable_events(hooks: Hooks) -> None:
    signer = SendGridSigner()
    webhook = hooks.register(provider="sendgrid", verification_key=signer.verification_key)
    good = {"event": "open", "timestamp": platforms.SOON_EPOCH, "burt_campaign_id": hooks.campaign}
    events = [
        {**good, "sg_event_id": "g1", "burt_contact_id": "c1"},
        {**good, "sg_event_id": "g2", "burt_contact_id": "nobody"},
        {**good, "sg_event_id": "g3", "burt_contact_id": "pending"},
        {**good, "sg_event_id": "g4", "burt_contact_id": "c2", "burt_campaign_id": "cmp_gone"},
        {"event": "open", "timestamp": platforms.SOON_EPOCH, "sg_event_id": "g5"},
    ]
    body = json.dumps(events).encode()
    response = hooks.post(path_of(webhook), body, signer.headers(body))
    assert response.status_code == 200
    assert response.json()["rejected"] == {
        "contact_not_assigned": 1,
        "missing_ids": 1,
        "unknown_campaign": 1,
        "unknown_contact": 1,
    }
    assert response.json()["recorded"] == 1
    assert hooks.status(webhook["id"])["counts"]["rejected"]["unknown_contact"] == 1


def test_sendgrid_delivery_of_ten_thousand_events(hooks: Hooks) -> None:
    auth = hooks.auth()
    body = {
        "name": "big",
        "optimize": "opened",
        "variants": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
    }
    cid = hooks.client.post("/campaigns", json=body, headers=auth).json()["id"]
    contacts = [{"id": f"k{i}"} for i in range(2500)]
    hooks.client.post(f"/campaigns/{cid}/contacts", json={"contacts": contacts}, headers=auth)
    headers = {**auth, "Idempotency-Key": "all"}
    hooks.client.post(f"/campaigns/{cid}/batches", json={"size": 2500}, headers=headers)
    signer = SendGridSigner()
    webhook = hooks.register(provider="sendgrid", verification_key=signer.verification_key)
    kinds = ("delivered", "open", "click", "processed")
    events = [
        {
            "event": kind,
            "timestamp": platforms.SOON_EPOCH,
            "sg_event_id": f"e{i}-{kind}",
            "burt_campaign_id": cid,
            "burt_contact_id": f"k{i}",
        }
        for i in range(2500)
        for kind in kinds
    ]
    payload = json.dumps(events).encode()
    response = hooks.post(path_of(webhook), payload, signer.headers(payload))
    assert response.json() == {
        "received": 10_000,
        "recorded": 7_500,
        "duplicates": 0,
        "ignored": 2_500,
        "rejected": {},
    }
    stats = hooks.client.get(f"/campaigns/{cid}/stats", headers=auth).json()
    assert sum(v["outcomes"]["clicked"] for v in stats["variants"]) == 2500


# --- Mailgun -------------------------------------------------------------------------------


def test_mailgun_events_verify_by_hmac_and_map(hooks: Hooks) -> None:
    webhook = hooks.register(provider="mailgun", signing_key=MAILGUN_KEY)
    url, headers = path_of(webhook), {"Content-Type": "application/json"}
    cid = hooks.campaign
    events = [
        platforms.mailgun_event("delivered", "d1", cid, "c1", **{"delivery-status": {"code": 250}}),
        platforms.mailgun_event("opened", "o1", cid, "c1", ip="50.56.129.169"),
        platforms.mailgun_event("clicked", "k1", cid, "c1", url="https://example.com"),
        platforms.mailgun_event("failed", "f1", cid, "c2", severity="permanent", reason="bounce"),
        platforms.mailgun_event("failed", "f2", cid, "c3", severity="temporary", reason="generic"),
        platforms.mailgun_event("complained", "x1", cid, "c3"),
        platforms.mailgun_event("unsubscribed", "u1", cid, "c3"),
        platforms.mailgun_event("accepted", "a1", cid, "c3"),
    ]
    results = [hooks.post(url, platforms.mailgun_signed(MAILGUN_KEY, e), headers) for e in events]
    assert [r.status_code for r in results] == [200] * 8
    assert hooks.outcomes() == ONE_OF_EACH
    retried = hooks.post(url, platforms.mailgun_signed(MAILGUN_KEY, events[1]), headers)
    assert retried.json()["duplicates"] == 1

    wrong = platforms.mailgun_signed("key-someone-else", events[0])
    assert_refused(hooks.post(url, wrong, headers), 401, "does not verify")
    signed = json.loads(platforms.mailgun_signed(MAILGUN_KEY, events[0]))
    signed["signature"]["token"] = "f" * 50  # Mailgun signs timestamp + token, not event-data
    assert_refused(hooks.post(url, json.dumps(signed).encode(), headers), 401, "does not verify")
    old = platforms.mailgun_signed(MAILGUN_KEY, events[0], int(time.time()) - 3600)
    assert_refused(hooks.post(url, old, headers), 401, "replay tolerance")
    no_signature = json.dumps({"event-data": events[0]}).encode()
    assert_refused(hooks.post(url, no_signature, headers), 401, "no Mailgun signature")
    assert_refused(hooks.post(url, b"event=opened", headers), 400, "not valid JSON")
    counts = hooks.status(webhook["id"])["counts"]
    assert counts["refused"] == {"bad_signature": 3, "stale_timestamp": 1, "malformed": 1}
    assert counts["ignored"] == 2 and counts["recorded"] == 6


def test_mailgun_signing_key_needs_the_server_key_it_was_sealed_with(
    hooks: Hooks, tmp_path: Path
) -> None:
    webhook = hooks.register(provider="mailgun", signing_key=MAILGUN_KEY)
    (tmp_path / "secret.key").write_text("A" * 43 + "=")  # another server's key
    body = platforms.mailgun_signed(
        MAILGUN_KEY, platforms.mailgun_event("opened", "o1", hooks.campaign, "c1")
    )
    response = hooks.post(path_of(webhook), body, {"Content-Type": "application/json"})
    assert_refused(response, 401, "BURT_SECRET_KEY")


# --- Postmark ------------------------------------------------------------------------------


def test_postmark_records_with_basic_credentials(hooks: Hooks) -> None:
    webhook = hooks.register(provider="postmark", username="burt", password="correct-horse-battery")
    url, good = path_of(webhook), platforms.basic("burt", "correct-horse-battery")
    records = platforms.postmark_records(hooks.campaign)
    results = [hooks.post(url, json.dumps(r).encode(), good) for r in records]
    assert [r.status_code for r in results] == [200] * len(records)
    assert [r.json()["ignored"] for r in results] == [0, 0, 0, 0, 1, 0, 0]  # the soft bounce
    assert hooks.outcomes() == ONE_OF_EACH
    again = hooks.post(url, json.dumps(records[1]).encode(), good)
    assert again.json()["duplicates"] == 1
    body = json.dumps(records[0]).encode()
    for headers in (
        platforms.basic("burt", "wrong-password-here"),
        platforms.basic("someone", "correct-horse-battery"),
        {"Content-Type": "application/json"},
        {"Content-Type": "application/json", "Authorization": f"Bearer {hooks.keys['acme']}"},
    ):
        assert hooks.post(url, body, headers).status_code == 401
    assert_refused(hooks.post(url, b"{", good), 400, "not valid JSON")
    counts = hooks.status(webhook["id"])["counts"]
    assert counts["refused"] == {"bad_credentials": 2, "malformed": 1}


# --- Amazon SES through SNS ----------------------------------------------------------------


def _ses_receiver(hooks: Hooks, signer: SnsSigner) -> str:
    webhook = hooks.register(provider="ses", topic_arn=platforms.TOPIC, certificate_pem=signer.pem)
    assert webhook["certificate_pinned"] is True
    return path_of(webhook)


def _sns_post(hooks: Hooks, url: str, message: dict[str, Any]) -> Any:
    headers = {
        "Content-Type": "text/plain; charset=UTF-8",
        "x-amz-sns-message-type": message["Type"],
    }
    return hooks.post(url, json.dumps(message).encode(), headers)


def test_ses_events_through_sns_signature_versions_1_and_2(hooks: Hooks) -> None:
    signer = SnsSigner()
    url = _ses_receiver(hooks, signer)
    cid = hooks.campaign
    events = [
        platforms.ses_event("Send", cid, "c1"),
        platforms.ses_event("Delivery", cid, "c1", smtpResponse="250 2.6.0 Message received"),
        platforms.ses_event("Open", cid, "c1", ipAddress="192.0.2.1"),
        platforms.ses_event("Click", cid, "c1", link="http://docs.aws.amazon.com/ses/"),
        platforms.ses_event(
            "Bounce",
            cid,
            "c2",
            bounceType="Permanent",
            bounceSubType="General",
            feedbackId="01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000",
        ),
        platforms.ses_event("Bounce", cid, "c3", bounceType="Transient", feedbackId="f-2"),
        platforms.ses_event(
            "Complaint", cid, "c3", complaintFeedbackType="abuse", feedbackId="f-3"
        ),
    ]
    for i, event in enumerate(events):
        message = signer.sign(platforms.sns_notification(event, f"m-{i}"), version="12"[i % 2])
        response = _sns_post(hooks, url, message)
        assert response.status_code == 200, response.text
    assert hooks.outcomes() == {
        "delivered": 1,
        "opened": 1,
        "clicked": 1,
        "bounced": 1,
        "complained": 1,
    }
    # SNS retries with the same message; SES may publish one event twice: both count once.
    repeat = signer.sign(platforms.sns_notification(events[2], "m-other"))
    assert _sns_post(hooks, url, repeat).json()["duplicates"] == 1
    test_message = "Successfully validated SNS topic for Amazon SES event publishing."
    ping = signer.sign(platforms.sns_notification(test_message, "m-test"))
    assert _sns_post(hooks, url, ping).json()["ignored"] == 1
    blank = signer.sign(platforms.sns_notification({"eventType": ""}, "m-blank"))
    assert _sns_post(hooks, url, blank).json()["ignored"] == 1


def test_ses_refuses_other_topics_bad_signatures_and_stale_messages(hooks: Hooks) -> None:
    signer = SnsSigner()
    url = _ses_receiver(hooks, signer)
    event = platforms.ses_event("Open", hooks.campaign, "c1")
    other = "arn:aws:sns:us-east-1:123456789012:other"
    wrong_topic = signer.sign(platforms.sns_notification(event, "m1", topic=other))
    assert_refused(_sns_post(hooks, url, wrong_topic), 403, "not the registered topic")
    tampered = signer.sign(platforms.sns_notification(event, "m2"))
    tampered["Message"] = tampered["Message"].replace("c1", "c2")
    assert_refused(_sns_post(hooks, url, tampered), 401, "does not verify")
    forged = SnsSigner().sign(platforms.sns_notification(event, "m3"))
    assert_refused(_sns_post(hooks, url, forged), 401, "does not verify")
    old = datetime.now(UTC) - timedelta(hours=2)
    stale = signer.sign(platforms.sns_notification(event, "m4", at=old))
    assert_refused(_sns_post(hooks, url, stale), 401, "replay tolerance")
    unknown_version = signer.sign(platforms.sns_notification(event, "m5"), version="3")
    assert_refused(_sns_post(hooks, url, unknown_version), 401, "SignatureVersion")
    assert_refused(hooks.post(url, b"{}", {"Content-Type": "text/plain"}), 400, "no string")
    odd_type = {
        **platforms.sns_notification(event, "m6"),
        "Type": "",
        "Signature": "",
        "SignatureVersion": "",
    }
    assert_refused(_sns_post(hooks, url, odd_type), 401, "not one burt can verify")
    half = {**platforms.sns_confirmation(), "Signature": "x", "SignatureVersion": "1"}
    del half["Token"]
    assert_refused(_sns_post(hooks, url, half), 401, "cannot be verified")
    assert hooks.outcomes() == {}


def test_ses_without_a_pinned_certificate_fetches_only_from_sns_hosts(hooks: Hooks) -> None:
    webhook = hooks.register(provider="ses", topic_arn=platforms.TOPIC)
    message = SnsSigner().sign(platforms.sns_notification({"eventType": "Open"}, "m1"))
    message["SigningCertURL"] = "https://attacker.example/SimpleNotificationService-x.pem"
    response = _sns_post(hooks, path_of(webhook), message)
    assert_refused(response, 401, "not a certificate on an SNS host")


def test_ses_subscription_confirmation_is_reported(hooks: Hooks) -> None:
    signer = SnsSigner()
    url = _ses_receiver(hooks, signer)
    confirmation = signer.sign(platforms.sns_confirmation())
    assert _sns_post(hooks, url, confirmation).status_code == 200
    webhook_id = url.rsplit("/", 1)[1]
    subscription = hooks.status(webhook_id)["subscription"]
    assert subscription == {
        "status": "pending_confirmation",
        "subscribe_url": confirmation["SubscribeURL"],
    }
    unsubscribed = signer.sign({**platforms.sns_confirmation(), "Type": "UnsubscribeConfirmation"})
    assert _sns_post(hooks, url, unsubscribed).status_code == 200
    assert hooks.status(webhook_id)["subscription"]["status"] == "unsubscribed"


def test_receivers_answer_404_for_unknown_ids_and_other_providers(hooks: Hooks) -> None:
    signer = SendGridSigner()
    webhook = hooks.register(provider="sendgrid", verification_key=signer.verification_key)
    body = b"[]"
    response = hooks.post(f"/webhooks/mailgun/{webhook['id']}", body, signer.headers(body))
    assert_refused(response, 404, "no mailgun webhook receiver")
    response = hooks.post("/webhooks/sendgrid/wh_nope", body, signer.headers(body))
    assert_refused(response, 404, "no sendgrid webhook receiver")


# --- refusals, never a 500 (issue 20, items 4 and 9; issue 22, item 12) ---------------------


def test_deeply_nested_json_is_a_malformed_refusal_on_every_receiver(hooks: Hooks) -> None:
    deep = b"[" * 50_000 + b"]" * 50_000
    sendgrid = SendGridSigner()
    urls = {
        "sendgrid": path_of(
            hooks.register(provider="sendgrid", verification_key=sendgrid.verification_key)
        ),
        "mailgun": path_of(hooks.register(provider="mailgun", signing_key=MAILGUN_KEY)),
        "postmark": path_of(
            hooks.register(provider="postmark", username="burt", password="correct-horse-battery")
        ),
        "ses": _ses_receiver(hooks, SnsSigner()),
    }
    headers = {
        "sendgrid": sendgrid.headers(deep),
        "mailgun": {"Content-Type": "application/json"},
        "postmark": platforms.basic("burt", "correct-horse-battery"),
        "ses": {"Content-Type": "text/plain"},
    }
    for provider, url in urls.items():
        assert_refused(hooks.post(url, deep, headers[provider]), 400, "nests deeper")


def test_mailgun_signature_that_is_not_ascii_does_not_verify(hooks: Hooks) -> None:
    url = path_of(hooks.register(provider="mailgun", signing_key=MAILGUN_KEY))
    signature = {"timestamp": str(int(time.time())), "token": "t" * 50, "signature": "é"}
    body = json.dumps({"signature": signature, "event-data": {}}).encode()
    response = hooks.post(url, body, {"Content-Type": "application/json"})
    assert_refused(response, 401, "does not verify")


def test_signed_timestamps_that_are_not_ascii_digits_do_not_verify(hooks: Hooks) -> None:
    odd = "1²"  # str.isdigit() is True, int() raises
    url = path_of(hooks.register(provider="mailgun", signing_key=MAILGUN_KEY))
    token = "t" * 50
    digest = hmac.new(MAILGUN_KEY.encode(), (odd + token).encode(), hashlib.sha256).hexdigest()
    signature = {"timestamp": odd, "token": token, "signature": digest}
    body = json.dumps({"signature": signature, "event-data": {}}).encode()
    response = hooks.post(url, body, {"Content-Type": "application/json"})
    assert_refused(response, 401, "is not Unix seconds")

    # SendGrid's timestamp is a header: servers decode header bytes as latin-1 (b"\xb2" is "²"),
    # which the test client does not reproduce, so the adapter is called as the handler calls it.
    signer = SendGridSigner()
    body = b"[]"
    signed = signer.key.sign(odd.encode() + body, ec.ECDSA(hashes.SHA256()))
    headers = {
        sendgrid.SIGNATURE: base64.b64encode(signed).decode(),
        sendgrid.TIMESTAMP: odd,
    }
    check = Verification(datetime.now(UTC), 900)
    with pytest.raises(DeliveryRefused, match="is not Unix seconds"):
        sendgrid.verify(body, headers, signer.verification_key, check)


def test_an_sns_message_without_a_signature_is_unverified(hooks: Hooks) -> None:
    url = _ses_receiver(hooks, SnsSigner())
    for missing in ("Signature", "SignatureVersion"):
        message = SnsSigner().sign(platforms.sns_notification({"eventType": "Open"}, "m1"))
        del message[missing]
        assert_refused(_sns_post(hooks, url, message), 401, f"no string {missing}")


def test_listing_receivers_refuses_a_cursor_it_did_not_return(hooks: Hooks) -> None:
    for cursor in ("garbage", "wh_" + "0" * 47, "cmp_" + "0" * 32):
        response = hooks.client.get(f"/webhooks?cursor={cursor}", headers=hooks.auth())
        assert_refused(response, 400, "is not a cursor this listing returned")
    first = hooks.register(provider="mailgun", signing_key=MAILGUN_KEY)
    hooks.register(provider="mailgun", signing_key=MAILGUN_KEY)
    page = hooks.client.get("/webhooks?limit=1", headers=hooks.auth()).json()
    assert page["next_cursor"] == first["id"]
    rest = hooks.client.get(f"/webhooks?cursor={page['next_cursor']}", headers=hooks.auth())
    assert rest.status_code == 200 and len(rest.json()["items"]) == 1


def test_postmark_refusals_are_webhook_refusals_and_unknown_receivers_404(hooks: Hooks) -> None:
    """Issue 22, item 11: refusals came from the API-key handler (`about:blank`, a Bearer
    challenge), and an unknown or deleted receiver answered 401."""
    webhook = hooks.register(provider="postmark", username="burt", password="correct-horse-battery")
    url = path_of(webhook)
    body = json.dumps(platforms.postmark_records(hooks.campaign)[0]).encode()
    for headers, words in (
        (platforms.basic("burt", "wrong-password-here"), "not the ones registered"),
        ({"Content-Type": "application/json"}, "no Basic credentials"),
        ({"Content-Type": "application/json", "Authorization": "Basic !!"}, "not base64"),
    ):
        response = hooks.post(url, body, headers)
        assert_refused(response, 401, words)
        assert response.json()["type"] == "https://burt.dev/problems/webhook-refused"
        assert "bearer" not in response.headers.get("www-authenticate", "").lower()
    good = platforms.basic("burt", "correct-horse-battery")
    unknown = hooks.post("/webhooks/postmark/wh_nope", body, good)
    assert_refused(unknown, 404, "no postmark webhook receiver 'wh_nope'")
    deleted = hooks.client.delete(f"/webhooks/{webhook['id']}", headers=hooks.auth())
    assert deleted.status_code == 204
    assert_refused(hooks.post(url, body, good), 404, "no postmark webhook receiver")


def test_ses_refuses_a_pinned_certificate_that_expired(hooks: Hooks) -> None:
    """Issue 22, item 14: a pinned certificate's expiry was never checked."""
    signer = SnsSigner(now=datetime.now(UTC) - timedelta(days=60))
    url = _ses_receiver(hooks, signer)
    message = signer.sign(platforms.sns_notification({"eventType": "Open"}, "m1"))
    assert_refused(_sns_post(hooks, url, message), 401, "SNS signing certificate is valid from")
    counts = hooks.status(url.rsplit("/", 1)[1])["counts"]
    assert counts["refused"] == {"expired_certificate": 1}


def test_only_a_verified_delivery_sets_the_last_error(hooks: Hooks) -> None:
    """Issue 22, item 14: unsigned junk posted to a receiver's URL overwrote its last_error."""
    signer = SendGridSigner()
    webhook = hooks.register(provider="sendgrid", verification_key=signer.verification_key)
    url = path_of(webhook)
    unreadable = b"[{not json"
    assert hooks.post(url, unreadable, signer.headers(unreadable)).status_code == 400
    set_by_verified = hooks.status(webhook["id"])["last_error"]
    assert "not valid JSON" in set_by_verified
    assert hooks.post(url, b"junk", {"Content-Type": "application/json"}).status_code == 401
    assert hooks.post(url, b"[]", SendGridSigner().headers(b"[]")).status_code == 401
    status = hooks.status(webhook["id"])
    assert status["last_error"] == set_by_verified
    assert status["counts"]["refused"] == {"bad_signature": 2, "malformed": 1}


def test_a_mailgun_signature_carries_no_other_body(hooks: Hooks) -> None:
    """Issue 22, item 14: the HMAC covers timestamp and token only, so a captured signature
    carried any events until the timestamp went stale."""
    webhook = hooks.register(provider="mailgun", signing_key=MAILGUN_KEY)
    url, headers = path_of(webhook), {"Content-Type": "application/json"}
    body = platforms.mailgun_signed(
        MAILGUN_KEY, platforms.mailgun_event("opened", "o1", hooks.campaign, "c1")
    )
    assert hooks.post(url, body, headers).status_code == 200
    assert hooks.post(url, body, headers).json()["duplicates"] == 1  # Mailgun's retry
    replayed = json.loads(body)
    replayed["event-data"] = platforms.mailgun_event("clicked", "k1", hooks.campaign, "c1")
    response = hooks.post(url, json.dumps(replayed).encode(), headers)
    assert_refused(response, 401, "used before with another body")
    assert hooks.outcomes() == {"opened": 1}
    assert hooks.status(webhook["id"])["counts"]["refused"] == {"replayed_token": 1}


def test_a_postmark_receiver_with_an_earlier_scrypt_hash_moves_to_the_fast_check(
    hooks: Hooks,
) -> None:
    webhook = hooks.register(provider="postmark", username="burt", password="correct-horse-battery")
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(b"correct-horse-battery", salt=salt, n=2**14, r=8, p=1)
    legacy = f"scrypt${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"

    def stored_hash() -> str:
        with sqlite3.connect(hooks.db_path) as db:
            (doc,) = db.execute(
                "SELECT doc FROM webhooks WHERE id = ?", (webhook["id"],)
            ).fetchone()
        return str(json.loads(doc)["credential"]["password_hash"])

    with sqlite3.connect(hooks.db_path) as db:
        (doc,) = db.execute("SELECT doc FROM webhooks WHERE id = ?", (webhook["id"],)).fetchone()
        fields = json.loads(doc)
        fields["credential"]["password_hash"] = legacy
        db.execute("UPDATE webhooks SET doc = ? WHERE id = ?", (json.dumps(fields), webhook["id"]))
    url = path_of(webhook)
    body = json.dumps(platforms.postmark_records(hooks.campaign)[0]).encode()
    assert hooks.post(url, body, platforms.basic("burt", "wrong-password-here")).status_code == 401
    assert stored_hash() == legacy
    assert (
        hooks.post(url, body, platforms.basic("burt", "correct-horse-battery")).status_code == 200
    )
    assert stored_hash().startswith("hmac-sha256$")
    assert (
        hooks.post(url, body, platforms.basic("burt", "correct-horse-battery")).status_code == 200
    )
    assert hooks.post(url, body, platforms.basic("burt", "wrong-password-here")).status_code == 401
