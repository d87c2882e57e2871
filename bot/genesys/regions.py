"""Genesys Cloud regions and their API hosts.

The table follows the SDK enum ``PureCloudRegionHosts`` (PureCloudPlatformClientV2
269.0.0). It is copied here so that reading the configuration does not import the
SDK, which takes several seconds.
"""

from __future__ import annotations

REGION_HOSTS: dict[str, str] = {
    "us_east_1": "api.mypurecloud.com",
    "us_east_2": "api.use2.us-gov-pure.cloud",
    "us_west_2": "api.usw2.pure.cloud",
    "ca_central_1": "api.cac1.pure.cloud",
    "sa_east_1": "api.sae1.pure.cloud",
    "mx_central_1": "api.mxc1.pure.cloud",
    "eu_west_1": "api.mypurecloud.ie",
    "eu_west_2": "api.euw2.pure.cloud",
    "eu_central_1": "api.mypurecloud.de",
    "eu_central_2": "api.euc2.pure.cloud",
    "me_central_1": "api.mec1.pure.cloud",
    "ap_south_1": "api.aps1.pure.cloud",
    "ap_southeast_1": "api.apse1.pure.cloud",
    "ap_southeast_2": "api.mypurecloud.com.au",
    "ap_northeast_1": "api.mypurecloud.jp",
    "ap_northeast_2": "api.apne2.pure.cloud",
    "ap_northeast_3": "api.apne3.pure.cloud",
}


def resolve_region(value: str) -> tuple[str, str] | None:
    """Return ``(region name, API base URL)`` for a region name or login domain.

    Accepts ``eu_west_1``, ``eu-west-1``, ``mypurecloud.ie``, ``api.mypurecloud.ie``,
    ``login.mypurecloud.ie`` and the same with ``https://``. Returns None when the
    value names no known region.
    """
    text = value.strip().lower()
    for prefix in ("https://", "http://"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    text = text.rstrip("/")

    key = text.replace("-", "_")
    if key in REGION_HOSTS:
        return key, "https://" + REGION_HOSTS[key]

    for prefix in ("api.", "login.", "apps."):
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    for name, host in REGION_HOSTS.items():
        if host == "api." + text:
            return name, "https://" + host
    return None
