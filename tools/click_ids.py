"""The ad platforms' click ids a lead can carry (no database)."""

# field name -> (label, platform)
CLICK_IDS = {
    "gclid": ("Google Click ID", "google_ads"),
    "gbraid": ("Google Click ID (iOS apps, gbraid)", "google_ads"),
    "wbraid": ("Google Click ID (iOS web, wbraid)", "google_ads"),
    "fbclid": ("Facebook Click ID", "meta_ads"),
    "msclkid": ("Microsoft Click ID", "microsoft_ads"),
}
PLATFORMS = [
    ("google_ads", "Google Ads"),
    ("meta_ads", "Meta Ads"),
    ("microsoft_ads", "Microsoft Ads"),
]
MAX_CLICK_ID = 256


def click_platform(values):
    """The platform of the first click id set in ``values`` (a mapping), or None."""
    for fname, (_label, platform) in CLICK_IDS.items():
        if values.get(fname):
            return platform
    return None
