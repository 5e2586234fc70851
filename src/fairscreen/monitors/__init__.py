"""The second source article's off-site monitors (livestream commerce, smart elevators, bright
kitchens): each turns a firm's own data into alerts for the firm and, when an alert is repeated,
ignored or serious, into a supervision signal (``fairscreen.monitors.escalate``) that the risk
tiers and the inspection plan read like any off-site signal."""
