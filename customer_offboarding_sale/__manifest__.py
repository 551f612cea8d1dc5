{
    "name": "Customer Offboarding - Sales Signals",
    "summary": "Confirmed sales orders count as activity in offboarding rules; "
    "customers buying only discontinued categories match Needs Changed",
    "version": "18.0.1.1.0",
    "category": "Sales/CRM",
    "website": "https://github.com/customer-offboarding/customer_offboarding",
    "author": "customer_offboarding developers",
    "maintainers": ["customer-offboarding"],
    "license": "LGPL-3",
    "depends": ["customer_offboarding", "sale"],
    "data": ["views/customer_offboarding_rule_views.xml"],
    "demo": ["demo/customer_offboarding_sale_demo.xml"],
    "installable": True,
    "auto_install": True,
}
