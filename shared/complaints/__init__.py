"""Complaint desk domain package, shipped to every function as a Lambda layer.

Handlers in functions/ stay thin: they parse their event, call one function
of this package and shape the answer.
"""
