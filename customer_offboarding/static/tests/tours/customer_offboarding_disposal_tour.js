/** @odoo-module **/
/**
 * customer_offboarding_disposal_tour, run by
 * customer_offboarding/tests/test_journeys.py: on a retired customer's case,
 * place a legal hold with its reason (Anonymize Now disappears), release it,
 * then Anonymize Now: the wizard warns, Confirm, the case shows Anonymized.
 */

import { registry } from "@web/core/registry";

const FORM = ".o_form_view";
const SAVED = `${FORM} .o_form_status_indicator_buttons.invisible:not(:visible)`;

registry.category("web_tour.tours").add("customer_offboarding_disposal_tour", {
    steps: () => [
        {
            content: "the case of a retired customer, with its disposal date",
            trigger: `${FORM}:has(.o_statusbar_status button[data-value="retired"][aria-checked="true"]):has(.o_field_widget[name="disposal_date"]) button[name="action_anonymize"]`,
        },
        {
            content: "place a legal hold",
            trigger: `${FORM} .o_field_widget[name="legal_hold"] input`,
            run: "click",
        },
        {
            content: "say why",
            trigger: `${FORM} .o_field_widget[name="legal_hold_note"] textarea`,
            run: "edit Tax audit 2026",
        },
        {
            content: "save",
            trigger: `${FORM} .o_form_button_save`,
            run: "click",
        },
        {
            content: "the case says it is held, and cannot be anonymized",
            trigger: `${FORM}:has(.alert-warning:contains("Legal hold")):not(:has(button[name="action_anonymize"])) .o_form_status_indicator_buttons.invisible:not(:visible)`,
        },
        {
            content: "release the hold",
            trigger: `${FORM} .o_field_widget[name="legal_hold"] input`,
            run: "click",
        },
        {
            content: "save",
            trigger: `${FORM} .o_form_button_save`,
            run: "click",
        },
        {
            trigger: SAVED,
        },
        {
            content: "Anonymize Now",
            trigger: `${FORM} button[name="action_anonymize"]`,
            run: "click",
        },
        {
            content: "the wizard says what is erased, for good",
            trigger: '.modal .alert-danger:contains("cannot be undone")',
        },
        {
            content: "note the customer's request",
            trigger: '.modal .o_field_widget[name="note"] textarea',
            run: "edit Erasure request by phone",
        },
        {
            content: "confirm",
            trigger: '.modal button[name="action_confirm"]',
            run: "click",
        },
        {
            content: "the case is anonymized",
            trigger: `body:not(:has(.modal)) ${FORM} .o_statusbar_status button[data-value="anonymized"][aria-checked="true"]`,
        },
    ],
});
