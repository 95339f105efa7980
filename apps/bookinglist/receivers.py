"""Signal receivers of the bookinglist app.

Each is thin: it calls this app's services and nothing else.
"""
