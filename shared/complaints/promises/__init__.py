"""Promises to the customer: what is promised (terms) and how each is kept on its timer (keeping)."""
