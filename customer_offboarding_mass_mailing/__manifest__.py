{
    "name": "Customer Offboarding - Email Marketing Signals",
    "summary": "Mailing traces count for No Response and mailing-list opt-outs "
    "for Unsubscribed in offboarding rules",
    "version": "18.0.1.1.0",
    "category": "Sales/CRM",
    "website": "https://github.com/customer-offboarding/customer_offboarding",
    "author": "customer_offboarding developers",
    "maintainers": ["customer-offboarding"],
    "license": "LGPL-3",
    "depends": ["customer_offboarding", "mass_mailing"],
    "data": [],
    "installable": True,
    "auto_install": True,
}
