"""Settings → Exchange rates and Settings → Quotas."""
