"""Payments for services: the billing catalogue, the payee's account check, the quote, saved payees and
"repeat last payment" (operations the conversation calls), then the bill_payment journey's steps."""
