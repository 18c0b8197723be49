"""The Chat REST API: ``client.ChatClient``, ``webhook.WebhookClient``, typed ``errors``.

Submodules are imported explicitly (``from shared.chatapi.client import
ChatClient``); this package imports nothing heavy, so catching
``shared.google.errors.ApiError`` never loads googleapiclient.
"""
