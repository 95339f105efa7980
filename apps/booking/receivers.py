"""Signal receivers of the booking app.

Each is thin: it calls this app's services and nothing else.
"""
