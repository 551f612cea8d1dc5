{
    "name": "Customer Offboarding - Invoicing Signals",
    "summary": "Offboarding rules on invoices: low value, declining purchases, "
    "high cost to serve, invoice inactivity and unpaid-invoice exemption",
    "version": "18.0.1.3.0",
    "category": "Sales/CRM",
    "website": "https://github.com/customer-offboarding/customer_offboarding",
    "author": "customer_offboarding developers",
    "maintainers": ["customer-offboarding"],
    "license": "LGPL-3",
    "depends": ["customer_offboarding", "account"],
    "data": ["views/customer_offboarding_rule_views.xml"],
    "demo": ["demo/customer_offboarding_account_demo.xml"],
    "installable": True,
    "auto_install": True,
}
