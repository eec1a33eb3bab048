"""Dossiers: drafting, attachments, submission, completion requests, receipts."""
