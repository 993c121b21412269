def _post_init_hook(env):
    """Give every existing company its own webhook secret.

    A new column is filled with a single default value for all existing rows,
    which would make the companies share one secret.
    """
    env["res.company"].search([])._leads_generate_webhook_secret()
