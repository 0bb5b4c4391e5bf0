"""What the AWS services cost per request, unit or second: the prices of `make bench`'s
cost model (bench/costs.py). Telephony (Chime PSTN minutes) is priced apart, in
bench/telephony_prices.py.

US dollars, us-east-1, on-demand list prices, no free tier. Written down from AWS's
public pricing pages as known on AS_OF; those pages could not be read from where this
was written (no network): check each against the live page before quoting a figure.
"""

from __future__ import annotations

AS_OF = "2026-11-30"
SMS_AS_OF = "2026-12-06"
SOURCE = "AWS public pricing pages (us-east-1), from memory: UNCONFIRMED against the live pages"

# Lambda, arm64 (Graviton): per GB-second of duration (first 7.5 billion GB-s a month)
# and per invocation.
LAMBDA_ARM64_GB_SECOND = 0.0000133334
LAMBDA_REQUEST = 0.20 / 1_000_000

# API Gateway REST API: per request (first 333 million a month).
API_GATEWAY_REST_REQUEST = 3.50 / 1_000_000

# DynamoDB on-demand: per write request unit (1 KB written; 2 in a transaction) and per
# read request unit (4 KB read strongly consistent; half that eventually consistent; 2 in
# a transaction).
DYNAMODB_WRITE_REQUEST_UNIT = 0.625 / 1_000_000
DYNAMODB_READ_REQUEST_UNIT = 0.125 / 1_000_000

# Step Functions Standard: per state transition.
STEP_FUNCTIONS_STANDARD_TRANSITION = 0.025 / 1_000

# SQS standard queue: per request (each 64 KB of a request's payload counts as one).
SQS_REQUEST = 0.40 / 1_000_000

# AWS End User Messaging SMS to a US number (SNS's SMS goes through it at the same price):
# per message part (segment: 160 GSM-7 characters alone, 153 in a longer text; 70 / 67 in
# UCS-2, chalicelib/domain/segments.py), AWS's price plus the carrier's pass-through fee,
# which differs by carrier and by origination type: a typical one of each is used.
# UNCONFIRMED: from memory, not read on aws.amazon.com/end-user-messaging/pricing.
SNS_SMS_US_PART = 0.00581
SMS_US_CARRIER_FEE_PART = 0.00302  # 10DLC, an average of the three big US carriers
SMS_US_TOLL_FREE_CARRIER_FEE_PART = 0.0025
# SNS: per publish to a topic (End User Messaging's delivery events, one a text); the
# deliveries to Lambda are free.
SNS_PUBLISH = 0.50 / 1_000_000

# Polly standard voices: per character synthesised.
POLLY_STANDARD_CHARACTER = 4.00 / 1_000_000

# S3 Standard: PUT, COPY, POST, LIST per request; GET, HEAD and the rest per request.
S3_PUT_REQUEST = 0.005 / 1_000
S3_GET_REQUEST = 0.0004 / 1_000

# KMS: per API request (enterprise secrets, at session open).
KMS_REQUEST = 0.03 / 10_000

# EventBridge Scheduler: per schedule invocation (creating and changing schedules is free).
SCHEDULER_INVOCATION = 1.00 / 1_000_000

# AWS WAF (the stage's web ACL, infra/waf.py: on in prod): a month per web ACL and per rule
# (a managed rule group counts as one rule; the three AWS managed groups it uses carry no
# subscription fee), and per request inspected (up to 1,500 WCUs). UNCONFIRMED: from memory
# on WAF_AS_OF, not read on aws.amazon.com/waf/pricing.
WAF_AS_OF = "2026-12-08"
WAF_WEB_ACL_MONTH = 5.00
WAF_RULE_MONTH = 1.00
WAF_REQUEST = 0.60 / 1_000_000
