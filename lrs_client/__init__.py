"""Delivery of xAPI statements to LRSs: outbox, dispatcher, transport, queries.

Imports none of Peerloop's other packages, and no web framework.
"""
