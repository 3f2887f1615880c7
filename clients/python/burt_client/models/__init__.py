"""Contains all the data models used in inputs/outputs"""

from .allocation import Allocation
from .assignment import Assignment
from .batch import Batch
from .batch_create import BatchCreate
from .batch_page import BatchPage
from .batch_summary import BatchSummary
from .campaign import Campaign
from .campaign_create import CampaignCreate
from .campaign_page import CampaignPage
from .campaign_stats import CampaignStats
from .campaign_status import CampaignStatus
from .campaign_update import CampaignUpdate
from .contact_in import ContactIn
from .contact_in_attributes import ContactInAttributes
from .contact_load import ContactLoad
from .contact_load_result import ContactLoadResult
from .decision import Decision
from .decision_status import DecisionStatus
from .event_in import EventIn
from .event_load import EventLoad
from .event_load_result import EventLoadResult
from .event_rejection import EventRejection
from .goal import Goal
from .health import Health
from .health_status import HealthStatus
from .holdout_stats import HoldoutStats
from .lift import Lift
from .mailgun_event import MailgunEvent
from .mailgun_event_event_data import MailgunEventEventData
from .mailgun_event_event_data_user_variables import MailgunEventEventDataUserVariables
from .mailgun_event_signature import MailgunEventSignature
from .mailgun_webhook_create import MailgunWebhookCreate
from .mailgun_webhook_create_provider import MailgunWebhookCreateProvider
from .optimized_outcome import OptimizedOutcome
from .outcome_counts import OutcomeCounts
from .outcome_type import OutcomeType
from .policy_settings import PolicySettings
from .policy_settings_goal import PolicySettingsGoal
from .posterior import Posterior
from .postmark_event import PostmarkEvent
from .postmark_event_metadata import PostmarkEventMetadata
from .postmark_webhook_create import PostmarkWebhookCreate
from .postmark_webhook_create_provider import PostmarkWebhookCreateProvider
from .problem import Problem
from .rejection_reason import RejectionReason
from .resolved_policy_settings import ResolvedPolicySettings
from .sample_ratio_mismatch import SampleRatioMismatch
from .segment_stats import SegmentStats
from .segment_stats_key_type_0 import SegmentStatsKeyType0
from .send_grid_event import SendGridEvent
from .send_grid_webhook_create import SendGridWebhookCreate
from .send_grid_webhook_create_provider import SendGridWebhookCreateProvider
from .ses_webhook_create import SesWebhookCreate
from .ses_webhook_create_provider import SesWebhookCreateProvider
from .setting_adjustment import SettingAdjustment
from .sns_message import SnsMessage
from .sns_message_signature_version import SnsMessageSignatureVersion
from .sns_message_type import SnsMessageType
from .variant import Variant
from .variant_count import VariantCount
from .variant_stats import VariantStats
from .variant_weight import VariantWeight
from .webhook import Webhook
from .webhook_counts import WebhookCounts
from .webhook_counts_refused import WebhookCountsRefused
from .webhook_counts_rejected import WebhookCountsRejected
from .webhook_delivery_result import WebhookDeliveryResult
from .webhook_delivery_result_rejected import WebhookDeliveryResultRejected
from .webhook_page import WebhookPage
from .webhook_provider import WebhookProvider
from .webhook_subscription import WebhookSubscription
from .webhook_subscription_status import WebhookSubscriptionStatus
from .winner_condition import WinnerCondition
from .winner_condition_comparison import WinnerConditionComparison
from .winner_condition_name import WinnerConditionName

__all__ = (
    "Allocation",
    "Assignment",
    "Batch",
    "BatchCreate",
    "BatchPage",
    "BatchSummary",
    "Campaign",
    "CampaignCreate",
    "CampaignPage",
    "CampaignStats",
    "CampaignStatus",
    "CampaignUpdate",
    "ContactIn",
    "ContactInAttributes",
    "ContactLoad",
    "ContactLoadResult",
    "Decision",
    "DecisionStatus",
    "EventIn",
    "EventLoad",
    "EventLoadResult",
    "EventRejection",
    "Goal",
    "Health",
    "HealthStatus",
    "HoldoutStats",
    "Lift",
    "MailgunEvent",
    "MailgunEventEventData",
    "MailgunEventEventDataUserVariables",
    "MailgunEventSignature",
    "MailgunWebhookCreate",
    "MailgunWebhookCreateProvider",
    "OptimizedOutcome",
    "OutcomeCounts",
    "OutcomeType",
    "PolicySettings",
    "PolicySettingsGoal",
    "Posterior",
    "PostmarkEvent",
    "PostmarkEventMetadata",
    "PostmarkWebhookCreate",
    "PostmarkWebhookCreateProvider",
    "Problem",
    "RejectionReason",
    "ResolvedPolicySettings",
    "SampleRatioMismatch",
    "SegmentStats",
    "SegmentStatsKeyType0",
    "SendGridEvent",
    "SendGridWebhookCreate",
    "SendGridWebhookCreateProvider",
    "SesWebhookCreate",
    "SesWebhookCreateProvider",
    "SettingAdjustment",
    "SnsMessage",
    "SnsMessageSignatureVersion",
    "SnsMessageType",
    "Variant",
    "VariantCount",
    "VariantStats",
    "VariantWeight",
    "Webhook",
    "WebhookCounts",
    "WebhookCountsRefused",
    "WebhookCountsRejected",
    "WebhookDeliveryResult",
    "WebhookDeliveryResultRejected",
    "WebhookPage",
    "WebhookProvider",
    "WebhookSubscription",
    "WebhookSubscriptionStatus",
    "WinnerCondition",
    "WinnerConditionComparison",
    "WinnerConditionName",
)
