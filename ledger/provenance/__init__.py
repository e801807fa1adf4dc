"""Provenance: content credentials (C2PA) of brands' assets, and talents' consent records."""
