"""The vocabulary every stage shares: models, the stored record, errors, the clock, working time, policy, access."""
