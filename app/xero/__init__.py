"""Qt-free code that speaks OAuth 2.0 and the Accounting API to Xero (or the local sandbox)."""
