"""The pure domain: standard library only (tests/unit/test_domain_imports.py checks it)."""
