"""SMS for residents: status queries, notifications and the gateways that carry them."""
