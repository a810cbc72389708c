"""The secure page: where a customer sets a card PIN or the bank password, never in the chat.

models.py    the page's request (from an HTTP API event) and answer
html.py      the HTML (one small, mobile-friendly form; CSP-hashed inline style and script)
service.py   GET shows the form after inspecting the link; POST redeems it and goes to the bank
"""
