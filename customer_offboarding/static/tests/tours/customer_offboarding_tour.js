/** @odoo-module **/
/**
 * Browser tours of the offboarding status on contacts, run by
 * customer_offboarding/tests/test_tour.py (which creates the records):
 *
 * - customer_offboarding_tour: in the Contacts list, the "Retired" filter
 *   keeps only the retired customer, "Offboarding Status" groups the rows by
 *   status, and the partner form shows the status bar and the transition
 *   buttons; "Flag at Risk" goes through the wizard and moves the status bar.
 * - customer_offboarding_company_tour: a partner shared between two companies
 *   shows "Retired" in one and "Active" in the other, switching company with
 *   the company switcher of the navbar.
 */

import { registry } from "@web/core/registry";

const RETIRED = "Tour Retired Ltd";
const RISK = "Tour Risk Ltd";
const ACTIVE = "Tour Active Ltd";
const SHARED = "Tour Shared Ltd";
const OTHER_COMPANY = "Tour Company B";

function dataRow(name) {
    return `.o_data_row:contains("${name}")`;
}

function row(name) {
    return `.o_list_view ${dataRow(name)}`;
}

function toggleSearchMenu(content) {
    return {
        content,
        trigger: ".o_control_panel .o_searchview_dropdown_toggler",
        run: "click",
    };
}

function statusIs(state, content) {
    return {
        content,
        trigger: `.o_form_view .o_form_statusbar .o_statusbar_status button[data-value="${state}"][aria-checked="true"]`,
    };
}

function formOf(name) {
    return {
        content: `the form of ${name} is open`,
        trigger: `.o_breadcrumb .o_last_breadcrumb_item:contains("${name}")`,
    };
}

registry.category("web_tour.tours").add("customer_offboarding_tour", {
    url: "/odoo/contacts",
    steps: () => [
        {
            content: "switch the contacts to the list view",
            trigger: ".o_control_panel .o_switch_view.o_list",
            run: "click",
        },
        {
            content: "search the tour customers by name",
            trigger: ".o_list_view .o_searchview_input",
            run: "edit Tour",
        },
        {
            content: "apply the name search",
            trigger: ".o_searchview_autocomplete .o_menu_item:first",
            run: "click",
        },
        {
            content: "all three tour customers are listed, with their status badge",
            trigger: `${row(RETIRED)} td[name="offboarding_state"]:contains("Retired")`,
        },
        {
            trigger: `${row(RISK)} td[name="offboarding_state"]:contains("At Risk")`,
        },
        {
            trigger: `${row(ACTIVE)} td[name="offboarding_state"]:contains("Active")`,
        },
        // --- filter on the Retired status ---------------------------------
        toggleSearchMenu("open the filter menu"),
        {
            content: "the offboarding filters are offered",
            trigger: '.o_filter_menu .o_menu_item:contains("At Risk")',
        },
        {
            trigger: '.o_filter_menu .o_menu_item:contains("Retiring")',
        },
        {
            trigger: '.o_filter_menu .o_menu_item:contains("Offboarding Archived")',
        },
        {
            content: "filter on the Retired status",
            trigger: '.o_filter_menu .o_menu_item:contains("Retired")',
            run: "click",
        },
        {
            content: "the Retired filter is applied",
            trigger: '.o_searchview_facet:contains("Retired")',
        },
        {
            content: "only the retired customer is left",
            trigger: `.o_list_view:has(${dataRow(RETIRED)}):not(:has(${dataRow(RISK)})):not(:has(${dataRow(ACTIVE)}))`,
        },
        {
            content: "and it is the only row",
            trigger: ".o_list_view .o_list_table tbody:not(:has(.o_data_row ~ .o_data_row))",
        },
        // --- group by status ----------------------------------------------
        {
            content: "remove the Retired filter",
            trigger: '.o_filter_menu .o_menu_item.selected:contains("Retired")',
            run: "click",
        },
        {
            content: "the Retired filter is gone, every tour customer is back",
            trigger: `.o_list_view:not(:has(.o_searchview_facet:contains("Retired"))) ${dataRow(ACTIVE)}`,
        },
        {
            content: "group by offboarding status",
            trigger: '.o_group_by_menu .o_menu_item:contains("Offboarding Status")',
            run: "click",
        },
        toggleSearchMenu("close the search menu"),
        {
            content: "a group per status: At Risk",
            trigger: '.o_list_view .o_group_header .o_group_name:contains("At Risk (1)")',
        },
        {
            content: "a group per status: Retired",
            trigger: '.o_list_view .o_group_header .o_group_name:contains("Retired (1)")',
        },
        {
            content: "a group per status: Active",
            trigger: '.o_list_view .o_group_header .o_group_name:contains("Active (1)")',
        },
        {
            content: "no group for the statuses nobody has",
            trigger: '.o_list_view:not(:has(.o_group_name:contains("Retiring")))',
        },
        // --- the retired customer's form ----------------------------------
        {
            content: "open the Retired group",
            trigger: '.o_list_view .o_group_header:contains("Retired (1)")',
            run: "click",
        },
        {
            content: "open the retired customer",
            trigger: `${row(RETIRED)} td[name="complete_name"]`,
            run: "click",
        },
        formOf(RETIRED),
        statusIs("retired", "the status bar shows Retired"),
        {
            content: "a retired customer can be reactivated or archived, not flagged",
            trigger: '.o_form_statusbar .o_statusbar_buttons:has(button[name="action_offboarding_reactivate"]):has(button[name="action_offboarding_archive"]):not(:has(button[name="action_offboarding_flag"]))',
        },
        {
            content: "back to the grouped list",
            trigger: ".o_breadcrumb .o_back_button",
            run: "click",
        },
        // --- the active customer's form, flagged through the wizard ------
        {
            content: "open the Active group",
            trigger: '.o_list_view .o_group_header:contains("Active (1)")',
            run: "click",
        },
        {
            content: "open the active customer",
            trigger: `${row(ACTIVE)} td[name="complete_name"]`,
            run: "click",
        },
        formOf(ACTIVE),
        statusIs("active", "the status bar shows Active"),
        {
            content: "the status bar lists every status",
            trigger: '.o_statusbar_status:has(button[data-value="at_risk"]):has(button[data-value="retiring"]):has(button[data-value="retired"]):has(button[data-value="archived"])',
        },
        {
            content: "the status bar is read-only",
            trigger: '.o_statusbar_status button[data-value="at_risk"]:disabled',
        },
        {
            content: "flag the active customer at risk",
            trigger: '.o_form_statusbar button[name="action_offboarding_flag"]:contains("Flag at Risk")',
            run: "click",
        },
        {
            content: "the wizard asks for a reason",
            trigger: '.modal .o_field_widget[name="reason_id"] input',
            run: "edit Inactive",
        },
        {
            trigger: '.o-autocomplete--dropdown-item:contains("Inactive customer")',
            run: "click",
        },
        {
            content: "confirm the flag",
            trigger: '.modal .modal-footer button[name="action_confirm"]',
            run: "click",
        },
        {
            content: "the wizard is closed",
            trigger: "body:not(:has(.modal))",
        },
        statusIs("at_risk", "the status bar moved to At Risk"),
        {
            content: "an at-risk customer can be cancelled, no longer flagged",
            trigger: '.o_form_statusbar .o_statusbar_buttons:has(button[name="action_offboarding_cancel"]):not(:has(button[name="action_offboarding_flag"]))',
        },
    ],
});

registry.category("web_tour.tours").add("customer_offboarding_company_tour", {
    // No url: the test starts on the shared partner's form (/odoo/contacts/<id>),
    // and a tour url would redirect the browser away from it.
    steps: () => [
        formOf(SHARED),
        statusIs("retired", "the shared partner is Retired in the first company"),
        {
            content: "open the company switcher",
            trigger: ".o_switch_company_menu > button",
            run: "click",
        },
        {
            content: "switch to the other company",
            trigger: `.o_switch_company_item:contains("${OTHER_COMPANY}") .log_into`,
            run: "click",
        },
        {
            content: "the other company is the current one",
            trigger: `.o_switch_company_menu .oe_topbar_name:contains("${OTHER_COMPANY}")`,
        },
        formOf(SHARED),
        statusIs("active", "the shared partner is Active in the other company"),
        {
            content: "and can be flagged there",
            trigger: '.o_form_statusbar button[name="action_offboarding_flag"]',
        },
    ],
});
