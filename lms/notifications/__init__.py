"""Messages to people: the e-mail outbox and its transports, reminders, change and progress notices,
in-app notifications and preferences, the scheduler, and iCalendar files and feeds (docs/notifications.md).
"""
