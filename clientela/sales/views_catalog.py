"""Settings → Products and prices: products, product groups, taxes and price lists."""
