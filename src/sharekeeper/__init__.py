"""ShareKeeper: a Resource Access Manager, wire-compatible with Huawei Cloud RAM API v1."""

__version__ = "0.1.0"
