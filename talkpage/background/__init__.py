"""Work done outside requests: the worker, its schedule, and the mail queue.

Tasks are django-tasks functions in the apps they belong to (mail in
lib/mail.py, notifications in notifications/tasks.py); this app runs them:
``talkpage worker`` (also started by ``talkpage serve``), the jobs that
repeat (schedule.py), and the operator's view of the mail queue.
"""
