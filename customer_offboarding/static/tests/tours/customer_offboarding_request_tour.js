/** @odoo-module **/
/**
 * Browser tour of the reactivation workflow, run by
 * customer_offboarding/tests/test_tour.py (which creates the records): the
 * Reactivation Requests menu opens a kanban grouped by state, a customer's
 * request opens in its form, and Approve brings the customer back (the
 * statusbar shows Approved). Then the Notices menu lists the personal notice
 * waiting for approval, and Approve sends it.
 */

import { registry } from "@web/core/registry";

const CUSTOMER = "Tour Comeback Ltd";
const VIP = "Tour VIP Ltd";

registry.category("web_tour.tours").add("customer_offboarding_request_tour", {
    url: "/odoo/action-customer_offboarding.customer_reactivation_request_action",
    steps: () => [
        {
            content: "the requests kanban is grouped by state",
            trigger: '.o_kanban_view .o_kanban_group .o_column_title:contains("Submitted")',
        },
        {
            content: "open the customer's request",
            trigger: `.o_kanban_record:contains("${CUSTOMER}")`,
            run: "click",
        },
        {
            content: "the form shows the customer's message",
            trigger: '.o_form_view .o_field_widget[name="message"]:contains("We are growing again")',
        },
        {
            content: "approve the request",
            trigger: '.o_form_view .o_form_statusbar button[name="action_approve"]',
            run: "click",
        },
        {
            content: "the request is approved",
            trigger: '.o_form_view .o_statusbar_status button[data-value="approved"][aria-checked="true"]',
        },
        {
            content: "open the notices waiting for approval",
            trigger: ".o_main_navbar",
            run: () => {
                window.location.href =
                    "/odoo/action-customer_offboarding.customer_offboarding_notice_action";
            },
        },
        {
            content: "the personal notice of the high tier customer waits",
            trigger: `.o_list_view .o_data_row:contains("${VIP}")`,
        },
        {
            content: "approve it from the list",
            trigger: `.o_list_view .o_data_row:contains("${VIP}") button[name="action_approve"]`,
            run: "click",
        },
        {
            content: "it is queued now, and can no longer be approved",
            trigger: `.o_list_view .o_data_row:contains("${VIP}"):has(td[name="state"]:contains("Queued")):not(:has(button[name="action_approve"]))`,
        },
    ],
});
