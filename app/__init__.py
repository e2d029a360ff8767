"""Xero Connect: connects a CRM to Xero and drafts sales invoices from its quotes and orders."""

__version__ = "0.1.0"
APP_NAME = "Xero Connect"
APP_ID = "io.xeroconnect.XeroConnect"  # reverse-DNS: desktop file, icon, autostart entries (packaging/)
