{
    "name": "Customer Offboarding - CRM Signals",
    "summary": "Opportunities count as activity in offboarding rules, and "
    "customers with open opportunities are exempted",
    "version": "18.0.1.1.0",
    "category": "Sales/CRM",
    "website": "https://github.com/customer-offboarding/customer_offboarding",
    "author": "customer_offboarding developers",
    "maintainers": ["customer-offboarding"],
    "license": "LGPL-3",
    "depends": ["customer_offboarding", "crm"],
    "data": ["views/customer_offboarding_rule_views.xml"],
    "installable": True,
    "auto_install": True,
}
