/** @odoo-module **/
/**
 * Browser tours of the back office journeys, run by
 * customer_offboarding/tests/test_journeys.py (which creates the records and
 * checks what the tours did):
 *
 * - customer_offboarding_list_wizard_tour: select contacts in the Contacts
 *   list, Actions › Change Offboarding Status, flag them at risk.
 * - customer_offboarding_ask_reactivate_tour: on a retired customer's form,
 *   Offboarding tab › Ask to Reactivate, with a message.
 * - customer_offboarding_rule_tour: a rule's Preview, then Run Now (the run
 *   form shows it running).
 * - customer_offboarding_undo_tour: the finished run's form, Undo.
 */

import { registry } from "@web/core/registry";

const FIRST = "Journey Alpha Ltd";
const SECOND = "Journey Beta Ltd";
const RETIRED = "Journey Retired Ltd";
const RULE = "Journey rule";

function row(name) {
    return `.o_list_view .o_data_row:contains("${name}")`;
}

registry.category("web_tour.tours").add("customer_offboarding_list_wizard_tour", {
    url: "/odoo/contacts",
    steps: () => [
        {
            content: "switch the contacts to the list view",
            trigger: ".o_control_panel .o_switch_view.o_list",
            run: "click",
        },
        {
            content: "search the journey customers",
            trigger: ".o_list_view .o_searchview_input",
            run: "edit Journey",
        },
        {
            trigger: ".o_searchview_autocomplete .o_menu_item:first",
            run: "click",
        },
        {
            content: "select the first customer",
            trigger: `${row(FIRST)} .o_list_record_selector input`,
            run: "click",
        },
        {
            content: "and the second",
            trigger: `${row(SECOND)} .o_list_record_selector input`,
            run: "click",
        },
        {
            content: "open the Actions menu",
            trigger: ".o_control_panel .o_cp_action_menus button",
            run: "click",
        },
        {
            content: "Change Offboarding Status",
            trigger: '.o-dropdown--menu .o-dropdown-item:contains("Change Offboarding Status")',
            run: "click",
        },
        {
            content: "the wizard lists both customers",
            trigger: `.modal .o_field_widget[name="partner_ids"]:contains("${FIRST}"):contains("${SECOND}")`,
        },
        {
            content: "choose Flag at Risk",
            trigger: '.modal .o_field_widget[name="operation"] select',
            run: 'select "flag"',
        },
        {
            content: "give the reason",
            trigger: '.modal .o_field_widget[name="reason_id"] input',
            run: "edit Inactive",
        },
        {
            trigger: '.o-autocomplete--dropdown-item:contains("Inactive customer")',
            run: "click",
        },
        {
            content: "confirm",
            trigger: '.modal button[name="action_confirm"]',
            run: "click",
        },
        {
            content: "both customers show At Risk in the list",
            trigger: `${row(FIRST)} td[name="offboarding_state"]:contains("At Risk")`,
        },
        {
            trigger: `${row(SECOND)} td[name="offboarding_state"]:contains("At Risk")`,
        },
    ],
});

registry.category("web_tour.tours").add("customer_offboarding_ask_reactivate_tour", {
    steps: () => [
        {
            content: "the retired customer's form is open",
            trigger: `.o_breadcrumb .o_last_breadcrumb_item:contains("${RETIRED}")`,
        },
        {
            content: "open the Offboarding tab",
            trigger: '.o_notebook .nav-link:contains("Offboarding")',
            run: "click",
        },
        {
            content: "Ask to Reactivate",
            trigger: 'button:contains("Ask to Reactivate")',
            run: "click",
        },
        {
            content: "say why",
            trigger: '.modal .o_field_widget[name="message"] textarea',
            run: "edit They signed a new contract",
        },
        {
            content: "submit",
            trigger: '.modal button[name="action_submit"]',
            run: "click",
        },
        {
            content: "the request is listed, submitted",
            trigger: `.o_view_controller:contains("${RETIRED}")`,
        },
    ],
});

registry.category("web_tour.tours").add("customer_offboarding_rule_tour", {
    steps: () => [
        {
            content: "the rules list shows the journey rule",
            trigger: `${row(RULE)} td[name="name"]`,
            run: "click",
        },
        {
            content: "preview it",
            trigger: '.o_form_view button[name="action_preview"]',
            run: "click",
        },
        {
            content: "the preview counts the two customers it would move",
            trigger: '.modal .o_field_widget[name="actionable_count"]:contains("2")',
        },
        {
            content: "close the preview",
            trigger: '.modal .modal-footer button:contains("Close")',
            run: "click",
        },
        {
            content: "run the rule now",
            trigger: '.o_form_view button[name="action_run_now"]',
            run: "click",
        },
        {
            content: "confirm: matching customers will be moved",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "the run's form shows it running, with its progress and Refresh",
            trigger: '.o_form_view:has(.o_statusbar_status button[data-value="running"][aria-checked="true"]):has(button[name="action_refresh"]) .o_field_widget[name="progress"]',
        },
    ],
});

registry.category("web_tour.tours").add("customer_offboarding_undo_tour", {
    steps: () => [
        {
            content: "the run is done",
            trigger: '.o_form_view .o_statusbar_status button[data-value="done"][aria-checked="true"]',
        },
        {
            content: "it moved two customers",
            trigger: 'button[name="action_open_events"]:contains("Moves"):contains("2")',
        },
        {
            content: "undo it",
            trigger: '.o_form_view button[name="action_undo"]',
            run: "click",
        },
        {
            content: "confirm the undo",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "the run shows what it undid",
            trigger: '.o_form_view .o_field_widget[name="undone_count"]:contains("2")',
        },
    ],
});
