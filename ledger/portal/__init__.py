"""The statement portal: a small server-rendered web app where each talent, agency and brand
signs in with a one-time link from finance and downloads only its own closed-period documents.

``ledger.portal.access`` issues and checks access (no web code), ``ledger.portal.library`` decides
what a party may see, ``ledger.portal.app`` is the Starlette application.
"""
