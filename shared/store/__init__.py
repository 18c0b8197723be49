"""Persistence: one Protocol per domain (``tokens``, ``nonces``, ...) and one package per backend.

Features and services depend only on the Protocols; the composition root
(``shared.wiring``) is the only module that picks and builds a backend.
"""
