"""Handling a complaint: decisions the workflow waits on, from acceptance to the survey, appeals and incidents."""
