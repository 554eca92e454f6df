"""Notifications: a message to one user, kept in their inbox and e-mailed once.

Infrastructure like ``audit``: the domain apps call :func:`notifications.services.notify`; this
package imports none of them.
"""
