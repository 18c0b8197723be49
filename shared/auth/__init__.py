"""Credentials for the Chat API: the app's own (``app``) and errors that cross layers."""
