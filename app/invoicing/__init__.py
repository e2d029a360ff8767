"""Qt-free: load CRM quotes and orders, plan DRAFT sales invoices, draft them in Xero once only."""
