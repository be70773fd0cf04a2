"""Every write the platform makes: permission check, rules, one transaction, audit, events."""
