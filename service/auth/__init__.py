"""Who is calling: API keys and their cache, scopes, the bearer and basic checks."""
