"""One function per use case. Authorization rules (who may see, accept, change what) live here;
each function owns its transaction through a unit of work."""
