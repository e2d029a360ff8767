"""Local emulator of Xero's identity service, developer portal and Accounting API subset."""
