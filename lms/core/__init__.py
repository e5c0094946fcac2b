"""What every page shares: the layout, languages, security headers, errors and the health check."""
