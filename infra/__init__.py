"""The AWS CDK app that deploys OCP: `python -m infra --stage dev` synthesises it.

Everything the application uses is defined here (tables derived from the
PynamoDB models, audio bucket, queues, KMS key, state machines from
chalicelib/workflows, scheduler group and role, alarms) and the Chalice app is
packaged with `chalice.cdk.Chalice`, each function with a role naming its own
resources. See docs/deploy.md.
"""
