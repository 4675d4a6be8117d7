"""The HTTP machinery of the API, apart from its handlers."""
