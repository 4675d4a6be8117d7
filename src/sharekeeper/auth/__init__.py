"""Request signing (pure functions shared by server, CLI and tests), key material, identity."""
