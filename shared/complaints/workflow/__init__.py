"""The workflow's automatic steps (Lambda tasks of the state machine) and the scheduled reminders sweep."""
