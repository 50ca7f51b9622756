"""Intake (受理): portals deliver signed complaints; each is stored once and its workflow started."""
