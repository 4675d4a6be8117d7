"""The HTTP edge: the app factory, the route table, wire schemas, the error table."""
