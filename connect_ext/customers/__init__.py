"""Who a Connect customer is in Microsoft's eyes: tenant id, tier chain, reseller partner id."""
