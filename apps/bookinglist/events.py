"""Public contract of the bookinglist app.

It publishes no bus events: it is a projection fed by the booking and confirm apps' events.
"""

__all__: list[str] = []
