def _post_init_hook(env):
    """Give every existing company its own webhook secret and Google Ads key.

    A new column is filled with a single default value for all existing rows,
    which would make the companies share one secret.
    """
    env["res.company"].search([])._leads_generate_webhook_secret(keep_previous=False)
    env["res.company"].search([])._leads_generate_google_ads_key()


def _uninstall_hook(env):
    """Remove the saved filters and favourites of the module's models.

    ir.filters names its model as text, so uninstalling leaves them behind,
    pointing to models (and custom lead fields) that no longer exist.
    """
    env["ir.filters"].with_context(active_test=False).search(
        [("model_id", "=like", "leads.%")]
    ).unlink()
