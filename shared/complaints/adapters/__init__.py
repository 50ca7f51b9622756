"""Adapters to the world outside: DynamoDB, Step Functions, notifications, Secrets Manager, Comprehend."""
