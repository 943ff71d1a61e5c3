"""Backup and restore: one archive holding the database, the uploaded evidence, the audit and
voucher signing keys and the payment runs' files (``flask hwc backup`` / ``flask hwc restore``)."""
