"""Messages to people: e-mail now, the outbox, reminders and calendars as they arrive."""
