from datetime import datetime, time, timedelta

# Hour (server time, UTC) each scheduled action starts at: tiers first (the
# rules' notices read them), then the rules, then the reminders.
CRON_HOURS = {
    "customer_offboarding.ir_cron_compute_tiers": 1,
    "customer_offboarding.ir_cron_evaluate_rules": 2,
    "customer_offboarding.ir_cron_send_reminders": 4,
}


def stagger_crons(env):
    """Give each scheduled action of the addon its own start time, tomorrow."""
    tomorrow = datetime.now().date() + timedelta(days=1)
    for xmlid, hour in CRON_HOURS.items():
        cron = env.ref(xmlid, raise_if_not_found=False)
        if cron:
            cron.nextcall = datetime.combine(tomorrow, time(hour))


def post_init_hook(env):
    stagger_crons(env)
