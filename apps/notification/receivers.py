"""Signal receivers of the notification app.

Each is thin: it calls this app's services and nothing else.
"""
