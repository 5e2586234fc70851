"""Employers (用人單位) and screening agencies (背調機構), and the positions employers declare."""
