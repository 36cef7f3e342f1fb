"""The public C2PA trust list, shipped as data (see SOURCE.md)."""
