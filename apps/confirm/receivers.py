"""Signal receivers of the confirm app.

Each is thin: it calls this app's services and nothing else.
"""
