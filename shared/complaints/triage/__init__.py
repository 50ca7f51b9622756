"""Triage: classification (分类), the roster's assignment (派单) of one accountable owner."""
