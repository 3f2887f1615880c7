"""Erasure on the SQLite store: a whole campaign, or one person in it.

Both run inside the caller's `BEGIN IMMEDIATE` transaction, so they are all or nothing and
serialize with every draw, load and event post: a write that started before commits first and is
erased with the rest; one that starts after finds no campaign (or no contact).

Erasing one contact keeps the campaign's numbers exactly: a contact that was sent something
keeps its row, its batch and variant, its outcome rows and its events' types and times (which
the counters and `recount` are made of), but its id becomes a random 16-byte BLOB, its attributes
NULL and each of its events' ids another random BLOB. A BLOB never equals the TEXT a request
carries, so no new event, load or erasure can match the erased person again, and no function of
the old id is kept that would let anyone holding the file test whether someone was in the
campaign. A contact still pending (never sent anything, so counted nowhere) is deleted. In a
segmented campaign, the erased contact's segment key is redacted from the registry, in the same
transaction, when it was the last contact carrying it (`sqlite_segments.forget`).
"""

from __future__ import annotations

import json
import sqlite3

from burt.engine.segments.keys import key_of
from burt.engine.store import codec, sqlite_segments


def campaign_tables(db: sqlite3.Connection) -> list[tuple[str, str]]:
    """(table, column) of every table holding a campaign's rows, by its `campaign` num or its
    `campaign_id` text: found from the schema, so tables added by later versions are included."""
    found = []
    for (table,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN"
        " ('campaigns', 'sqlite_sequence') ORDER BY name"
    ):
        columns = {row[1] for row in db.execute(f'PRAGMA table_info("{table}")')}
        for column in ("campaign", "campaign_id"):
            if column in columns:
                found.append((table, column))
    return found


def delete_campaign(db: sqlite3.Connection, tenant: str, campaign_id: str) -> bool:
    """Delete the campaign and every row stored for it; False when absent or another tenant's."""
    row = db.execute(
        "SELECT num FROM campaigns WHERE id = ? AND tenant = ?", (campaign_id, tenant)
    ).fetchone()
    if row is None:
        return False
    num = row[0]
    # Outcome rows are keyed by contact, not campaign: delete them while the contacts exist.
    db.execute(
        "DELETE FROM outcomes WHERE contact IN (SELECT id FROM contacts WHERE campaign = ?)",
        (num,),
    )
    for table, column in campaign_tables(db):
        db.execute(
            f'DELETE FROM "{table}" WHERE {column} = ?',
            (num if column == "campaign" else campaign_id,),
        )
    db.execute("DELETE FROM campaigns WHERE num = ?", (num,))
    return True


def erase_contact(db: sqlite3.Connection, num: int, contact_id: str) -> bool:
    """Erase one contact of campaign `num` (see the module docstring); False when unknown."""
    row = db.execute(
        "SELECT id, batch_seq, attributes FROM contacts WHERE campaign = ? AND ext_id = ?",
        (num, contact_id),
    ).fetchone()
    if row is None:
        return False
    contact, batch_seq, attributes = row
    (doc,) = db.execute("SELECT doc FROM campaigns WHERE num = ?", (num,)).fetchone()
    by = codec.settings_from_dict(json.loads(doc)["settings"]).segment_by
    if by:
        key = key_of(json.loads(attributes) if attributes is not None else None, by)
        sqlite_segments.forget(db, num, contact, key, by)
    if batch_seq is None:
        db.execute("DELETE FROM contacts WHERE id = ?", (contact,))
        db.execute(
            "UPDATE campaigns SET contacts_total = contacts_total - 1,"
            " contacts_pending = contacts_pending - 1 WHERE num = ?",
            (num,),
        )
        return True
    db.execute(
        "UPDATE contacts SET ext_id = randomblob(16), attributes = NULL WHERE id = ?", (contact,)
    )
    db.execute(
        "UPDATE events SET event_id = randomblob(16) WHERE campaign = ? AND contact = ?",
        (num, contact),
    )
    return True
