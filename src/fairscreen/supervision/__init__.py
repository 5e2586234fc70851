"""The regulator's side: risk tiers, inspection plans and (part 1) off-site checks."""
