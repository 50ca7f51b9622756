"""The desk every use case works in: its context (policy, roster, ports) and its notification rules."""
