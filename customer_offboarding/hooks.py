from datetime import datetime, time, timedelta

# Hour (server time, UTC) each scheduled action starts at: tiers first (the
# rules' notices read them), then the rules, then data disposal, then the
# reminders.
CRON_HOURS = {
    "customer_offboarding.ir_cron_compute_tiers": 1,
    "customer_offboarding.ir_cron_evaluate_rules": 2,
    "customer_offboarding.ir_cron_dispose_data": 3,
    "customer_offboarding.ir_cron_send_reminders": 4,
}


def stagger_crons(env, xmlids=None):
    """Give each scheduled action of the addon (of ``xmlids``, default all)
    its own start time, tomorrow."""
    tomorrow = datetime.now().date() + timedelta(days=1)
    for xmlid, hour in CRON_HOURS.items():
        if xmlids is not None and xmlid not in xmlids:
            continue
        cron = env.ref(xmlid, raise_if_not_found=False)
        if cron:
            cron.nextcall = datetime.combine(tomorrow, time(hour))


def post_init_hook(env):
    stagger_crons(env)
