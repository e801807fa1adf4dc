"""twinledger: royalty and usage accounting for AI digital twins of real people."""

__version__ = "0.1.0"
