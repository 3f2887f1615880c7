"""Stateful: sequences of calls chained by the spec's OpenAPI links, every check after every step.

initializeCampaign -> loadContacts -> createExperimentBatch -> getExperimentBatch /
recordOutcomes (its body names a contact of the batch) -> getCampaignStats, and the others
(updateCampaign with the ETag, listExperimentBatches -> getExperimentBatch, ...). The run then
asserts that it really got that deep: a suite that only ever met empty campaigns would pass
every check while proving little.
"""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

import hypothesis
from conftest import linked_schema
from schemathesis import Case, Response

# Deleting a campaign or erasing a contact ends what a sequence can reach (everything after is a
# 404); both have their own tests (tests/test_api.py, the conformance suite) and run in
# test_contract.py. The webhook receivers have no links into campaigns and their own tests
# (tests/test_webhooks.py). Left in, they spend the step budget that should reach deep campaigns.
schema = (
    linked_schema().exclude(operation_id=["deleteCampaign", "eraseContact"]).exclude(tag="webhooks")
)

SETTINGS = hypothesis.settings(
    max_examples=60,
    stateful_step_count=16,
    phases=[hypothesis.Phase.generate],  # schemathesis' default for stateful runs: no shrinking
    deadline=None,
    derandomize=True,  # the same sequences on every run
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)


class LinkedCalls(schema.as_state_machine()):  # type: ignore[misc]
    """The generated state machine, counting which answers the sequences reached."""

    reached: ClassVar[Counter[str]] = Counter()

    def after_call(self, response: Response, case: Case) -> None:
        super().after_call(response, case)
        self.reached[f"{case.operation.label} {response.status_code}"] += 1
        recorded = case.operation.label == "POST /campaigns/{campaignId}/events"
        if recorded and response.status_code == 200 and response.json()["recorded"] > 0:
            self.reached["outcomes recorded"] += 1


DEEP_ANSWERS = (
    "POST /campaigns 201",
    "POST /campaigns/{campaignId}/contacts 200",
    "POST /campaigns/{campaignId}/batches 201",
    "GET /campaigns/{campaignId}/batches/{batchId} 200",
    "outcomes recorded",
    "GET /campaigns/{campaignId}/stats 200",
    "PATCH /campaigns/{campaignId} 200",
)
"""What the sequences must reach between them."""


def test_linked_sequences_keep_the_contract() -> None:
    """Derandomized runs, each a fixed set of sequences; a second and third run (other step
    counts, so other sequences) only when the first did not reach every deep answer: which
    link a random walk takes is luck, and any change to the spec reshuffles it."""
    reached = LinkedCalls.reached
    for steps in (16, 24, 32):
        LinkedCalls.run(settings=hypothesis.settings(SETTINGS, stateful_step_count=steps))
        if all(reached[answer] > 0 for answer in DEEP_ANSWERS):
            break
    for answer in DEEP_ANSWERS:
        assert reached[answer] > 0, f"no sequence reached {answer!r}: {dict(reached)}"
