"""The web application: the app factory and what the portal and staff faces share (sign-in, access rules,
page helpers, documents)."""
