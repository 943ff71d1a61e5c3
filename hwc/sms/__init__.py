"""Residents and their claims by SMS: reading what they text, the texts they read, and how many
segments a text costs."""
