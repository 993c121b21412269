-- A neutralized copy of the database (staging, support) must not accept the
-- production senders' events, nor replays of them: without a secret, every
-- signature is refused. Generate a new secret there for test senders.
UPDATE res_company
   SET leads_webhook_secret = NULL,
       leads_webhook_secret_previous = NULL,
       leads_webhook_secret_previous_expiry = NULL;
