"""Livestream commerce: a live room's transcript and listings in, compliance prompts to the firm
out, supervision signals when a prompt is repeated or ignored (docs/monitors.md)."""
