"""The assessment cycle: quarterly scores, the annual composite, grades and quotas, rankings, the uses of results
(warning and priority lists, pairing, funding, follow-up recommendations), objections and the audit trail."""
