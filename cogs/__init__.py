"""Slash-command cogs; each is thin: parse the interaction, call a core service, render."""
